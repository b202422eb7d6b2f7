package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import shoal.peer.testing.Downloading;
import shoal.peer.testing.Eventually;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;
import shoal.tracker.testing.PrometheusText;
import shoal.tracker.testing.Promtool;
import shoal.tracker.testing.TrackerApi;

/**
 * Shoal's own Prometheus series: the tracker's (the network's gauges, its counters) and every
 * peer's, read from {@code GET /metrics} as Prometheus scrapes them, before and after a file moves.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("Shoal's own metrics")
class MetricsTest {

  private static final long SIZE = 6L << 20;
  private static final long UPLOAD_LIMIT = 2L << 20;

  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest();

  @Test
  @DisplayName("Moving a file shows on the tracker's series (holdings, bytes moved, transfers ended, balancer choices, "
      + "not_available answers) and on both peers' (bytes up on the source, down on the downloader, active transfers)")
  void movedFileShowsInTheSeries(Vertx vertx, @TempDir Path a, @TempDir Path b) throws Exception {
    String sha256 = TestFiles.random(a.resolve("film.mkv"), SIZE, 7);
    // Slowed down so that the transfer is seen under way, in both peers' and the tracker's gauges.
    PeerNode source = network.peer("A", a, config -> config.withUploadLimit(UPLOAD_LIMIT));
    PeerNode downloader = network.peer("B", b);
    Eventually.within(Duration.ofSeconds(10), () -> assertThat(tracker().value("shoal_peers")).isEqualTo(2));
    PrometheusText trackerBefore = tracker();
    PrometheusText sourceBefore = scrape(vertx, source);
    PrometheusText downloaderBefore = scrape(vertx, downloader);

    assertThat(trackerBefore.value("shoal_files")).isEqualTo(1);
    assertThat(trackerBefore.value("shoal_holdings")).isEqualTo(1);
    assertThat(trackerBefore.value("shoal_active_transfers")).isZero();
    assertThat(sourceBefore.value("shoal_peer_active_uploads")).isZero();
    assertThat(downloaderBefore.value("shoal_peer_active_downloads")).isZero();

    TrackerApi control = network.control(downloader);
    HttpResponse<?> nobodyHasIt = control.post("/api/v1/downloads", downloader.controlToken(),
        new JsonObject().put("sha256", TrackerApi.sha("a file nobody shares")));
    control.close();
    assertThat(nobodyHasIt.statusCode()).isEqualTo(404);

    String downloadId = Downloading.start(network, downloader, sha256);
    Eventually.within(Duration.ofSeconds(10), () -> {
      assertThat(scrape(vertx, downloader).value("shoal_peer_active_downloads")).isEqualTo(1);
      assertThat(scrape(vertx, source).value("shoal_peer_active_uploads")).isEqualTo(1);
      assertThat(tracker().value("shoal_active_transfers")).isEqualTo(1);
    });
    JsonObject end = Downloading.awaitEnd(network, downloader, downloadId, Duration.ofSeconds(60));
    assertThat(end.getString("state")).as(end.encode()).isEqualTo("done");

    Eventually.within(Duration.ofSeconds(10), () -> {
      PrometheusText after = tracker();
      assertThat(after.value("shoal_holdings")).isEqualTo(2);
      assertThat(after.value("shoal_files")).isEqualTo(1);
      assertThat(after.value("shoal_peers")).isEqualTo(2);
      assertThat(after.value("shoal_active_transfers")).isZero();
      assertThat(delta(trackerBefore, after, "shoal_transfers_ended_total", "outcome", "completed")).isEqualTo(1);
      assertThat(delta(trackerBefore, after, "shoal_transfers_ended_total", "outcome", "failed")).isZero();
      assertThat(delta(trackerBefore, after, "shoal_transfers_ended_total", "outcome", "abandoned")).isZero();
      assertThat(delta(trackerBefore, after, "shoal_bytes_moved_total")).isEqualTo(SIZE);
      assertThat(delta(trackerBefore, after, "shoal_balancer_choices_total", "source", "whole")).isEqualTo(1);
      assertThat(delta(trackerBefore, after, "shoal_balancer_choices_total", "source", "partial")).isZero();
      assertThat(delta(trackerBefore, after, "shoal_not_available_total")).isEqualTo(1);
    });
    Eventually.within(Duration.ofSeconds(10), () -> {
      PrometheusText sourceAfter = scrape(vertx, source);
      assertThat(delta(sourceBefore, sourceAfter, "shoal_peer_uploaded_bytes_total")).isEqualTo(SIZE);
      assertThat(sourceAfter.value("shoal_peer_active_uploads")).isZero();
      assertThat(delta(sourceBefore, sourceAfter, "shoal_peer_upload_refusals_total")).isZero();
    });
    PrometheusText downloaderAfter = scrape(vertx, downloader);
    assertThat(delta(downloaderBefore, downloaderAfter, "shoal_peer_downloaded_bytes_total")).isEqualTo(SIZE);
    assertThat(downloaderAfter.value("shoal_peer_active_downloads")).isZero();
    assertThat(delta(downloaderBefore, downloaderAfter, "shoal_peer_verification_failures_total", "what", "piece")).isZero();
    assertThat(delta(downloaderBefore, downloaderAfter, "shoal_peer_blamed_sources_total", "reason", "corrupt")).isZero();
  }

  @Test
  @DisplayName("A download turned away with 503 busy counts as a refusal on the holder, beside the upload it is busy with")
  void busyAnswerCountsAsARefusal(Vertx vertx, @TempDir Path share) throws Exception {
    String sha256 = TestFiles.random(share.resolve("slow.bin"), 1L << 20, 4);
    PeerNode holder = network.peer("single-slot", share, config -> config.withUploadLimit(512 * 1024).withMaxUploads(1));
    PrometheusText before = scrape(vertx, holder);
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest request = HttpRequest.newBuilder(URI.create(holder.filesUrl() + "/files/" + sha256))
        .timeout(Duration.ofSeconds(30)).build();

    java.net.http.HttpResponse<InputStream> first = http.send(request, java.net.http.HttpResponse.BodyHandlers.ofInputStream());
    java.net.http.HttpResponse<String> second = http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());

    assertThat(second.statusCode()).isEqualTo(503);
    PrometheusText busy = scrape(vertx, holder);
    assertThat(delta(before, busy, "shoal_peer_upload_refusals_total")).isEqualTo(1);
    assertThat(busy.value("shoal_peer_active_uploads")).isEqualTo(1);
    try (InputStream body = first.body()) {
      assertThat(body.readAllBytes()).hasSize(1 << 20);
    }
    Eventually.within(Duration.ofSeconds(5), () -> {
      PrometheusText after = scrape(vertx, holder);
      assertThat(after.value("shoal_peer_active_uploads")).isZero();
      assertThat(delta(before, after, "shoal_peer_uploaded_bytes_total")).isEqualTo(1 << 20);
    });
  }

  @Test
  @DisplayName("A holder serving rotten data shows as one verification failure and one source blamed as corrupt on "
      + "the downloader, and as a failed transfer on the tracker")
  void rottenHolderShowsInTheSeries(Vertx vertx, @TempDir Path rotten, @TempDir Path b) throws Exception {
    String sha256 = TestFiles.random(rotten.resolve("backup.tar"), 4L << 20, 21);
    network.peer("rotten", rotten);
    TestFiles.rotEveryPiece(rotten.resolve("backup.tar"));
    PeerNode downloader = network.peer("B", b);
    PrometheusText trackerBefore = tracker();
    PrometheusText before = scrape(vertx, downloader);

    JsonObject end = Downloading.awaitEnd(network, downloader, Downloading.start(network, downloader, sha256),
        Duration.ofSeconds(60));

    assertThat(end.getString("state")).as(end.encode()).isEqualTo("failed");
    PrometheusText after = scrape(vertx, downloader);
    // In pieces when the holder has its piece list ready, else as one stream: one check fails either way.
    assertThat(delta(before, after, "shoal_peer_verification_failures_total", "what", "piece")
        + delta(before, after, "shoal_peer_verification_failures_total", "what", "file")).isEqualTo(1);
    assertThat(delta(before, after, "shoal_peer_blamed_sources_total", "reason", "corrupt")).isEqualTo(1);
    assertThat(after.value("shoal_peer_active_downloads")).isZero();
    Eventually.within(Duration.ofSeconds(10), () -> assertThat(
        delta(trackerBefore, tracker(), "shoal_transfers_ended_total", "outcome", "failed")).isEqualTo(1));
  }

  @Test
  @DisplayName("Shoal's series on the tracker and on a peer pass promtool check metrics without a note, "
      + "and the Grafana dashboard in docs/ asks only for series that exist")
  void seriesPassPromtoolAndFeedTheDashboard(Vertx vertx, @TempDir Path a, @TempDir Path b) throws Exception {
    String sha256 = TestFiles.random(a.resolve("small.bin"), 100_000, 3);
    network.peer("A", a);
    PeerNode downloader = network.peer("B", b);
    JsonObject end = Downloading.awaitEnd(network, downloader, Downloading.start(network, downloader, sha256),
        Duration.ofSeconds(30));
    assertThat(end.getString("state")).isEqualTo("done");
    PrometheusText tracker = tracker();
    PrometheusText peer = scrape(vertx, downloader);

    for (PrometheusText scraped : new PrometheusText[] {tracker, peer}) {
      Set<String> families = scraped.familyNames("shoal_");
      assertThat(families).isNotEmpty();
      families.forEach(name -> assertThat(scraped.family(name).help()).as("HELP of " + name).isNotBlank());
      families.forEach(name -> assertThat(scraped.family(name).type()).as("TYPE of " + name).isIn("counter", "gauge"));
      Promtool.Verdict verdict = Promtool.checkMetrics(scraped.only("shoal_"));
      assertThat(verdict.output()).as("promtool's notes on\n" + scraped.only("shoal_")).isEmpty();
      assertThat(verdict.exitCode()).isZero();
    }
    assertThat(tracker.familyNames("shoal_")).contains("shoal_peers", "shoal_files", "shoal_holdings",
        "shoal_active_transfers", "shoal_transfers_ended_total", "shoal_bytes_moved_total", "shoal_not_available_total",
        "shoal_balancer_choices_total");
    assertThat(peer.familyNames("shoal_peer_")).contains("shoal_peer_uploaded_bytes_total",
        "shoal_peer_downloaded_bytes_total", "shoal_peer_active_uploads", "shoal_peer_active_downloads",
        "shoal_peer_upload_refusals_total", "shoal_peer_verification_failures_total", "shoal_peer_blamed_sources_total");

    Set<String> exposed = new HashSet<>(tracker.seriesNames());
    exposed.addAll(peer.seriesNames());
    // Tests run in the module's folder; docs/ is the repository's.
    JsonObject dashboard = new JsonObject(Files.readString(Path.of("..", "docs", "grafana-shoal.json")));
    Set<String> asked = new HashSet<>();
    Matcher series = Pattern.compile("shoal_[a-z_]+").matcher(dashboard.encode());
    while (series.find()) {
      asked.add(series.group());
    }
    assertThat(asked).as("series the dashboard asks for").isNotEmpty();
    assertThat(exposed).as("series the tracker and the peers expose").containsAll(asked);
  }

  private PrometheusText tracker() {
    HttpResponse<?> response = network.tracker().get("/metrics");
    assertThat(response.statusCode()).isEqualTo(200);
    return PrometheusText.parse(response.bodyAsString());
  }

  /** A peer's series, from its files port: where a Prometheus on another machine scrapes them, without a token. */
  private static PrometheusText scrape(Vertx vertx, PeerNode node) {
    TrackerApi files = new TrackerApi(vertx, "http://127.0.0.1:" + node.filesPort());
    try {
      HttpResponse<?> response = files.get("/metrics");
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.getHeader("Content-Type")).startsWith("text/plain");
      return PrometheusText.parse(response.bodyAsString());
    } finally {
      files.close();
    }
  }

  private static double delta(PrometheusText before, PrometheusText after, String name, String... labels) {
    return after.value(name, labels) - before.value(name, labels);
  }
}
