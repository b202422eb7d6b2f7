package shoal.tracker.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static shoal.tracker.testing.TrackerApi.file;
import static shoal.tracker.testing.TrackerApi.sha;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import shoal.tracker.testing.PrometheusText;
import shoal.tracker.testing.TrackerApi;
import shoal.tracker.testing.TrackerApi.Peer;
import shoal.tracker.testing.TrackerExtension;

/**
 * Two trackers on one database: the gauges are the network's, the same on both; each counter
 * counts on the tracker that answered the request, so the network's figure is their sum.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
@DisplayName("Shoal's series on two trackers sharing one database")
class MetricsAcrossTrackersTest {

  private static final long SIZE = 5_000;

  @RegisterExtension
  static final TrackerExtension trackers = TrackerExtension.withTwin();

  private TrackerApi one;
  private TrackerApi two;

  @BeforeEach
  void connect(Vertx vertx) {
    one = trackers.api(vertx);
    two = trackers.twinApi(vertx);
  }

  @Test
  @DisplayName("Both trackers report the same peers, files, holdings and active transfers; transfers ended, bytes moved, "
      + "balancer choices and not_available answers count on the tracker that saw them")
  void gaugesAgreeAndCountersCountWhereTheEventHappens() {
    String report = sha("metrics-report");
    String unknown = sha("metrics-nobody-has-this");
    Peer holder = one.register("metrics-holder", List.of(file(report, "report.pdf", SIZE)));
    Peer downloader = two.register("metrics-downloader", List.of());
    assertGaugesShowTheDatabase();
    PrometheusText oneBefore = scrape(one);
    PrometheusText twoBefore = scrape(two);

    HttpResponse<Buffer> lease = two.startTransfer(downloader, report);
    assertThat(lease.statusCode()).as(lease.bodyAsString()).isEqualTo(201);
    String transfer = "/api/v1/transfers/" + lease.bodyAsJsonObject().getString("transferId");
    assertThat(two.post(transfer + "/progress", downloader.token(), new JsonObject().put("bytes", 2_000)).statusCode())
        .isEqualTo(200);
    assertGaugesShowTheDatabase();
    assertThat(delta(oneBefore, scrape(one), "shoal_active_transfers")).isEqualTo(1);
    assertThat(two.post(transfer + "/complete", downloader.token(), null).statusCode()).isEqualTo(200);
    assertThat(one.get("/api/v1/files/" + unknown).statusCode()).isEqualTo(404);
    assertThat(two.startTransfer(downloader, unknown).statusCode()).isEqualTo(404);
    assertThat(two.startTransfer(holder, unknown).statusCode()).isEqualTo(404);

    assertGaugesShowTheDatabase();
    PrometheusText oneAfter = scrape(one);
    PrometheusText twoAfter = scrape(two);
    for (PrometheusText[] tracker : new PrometheusText[][] {{oneBefore, oneAfter}, {twoBefore, twoAfter}}) {
      assertThat(delta(tracker[0], tracker[1], "shoal_holdings")).as("the downloader holds it now").isEqualTo(1);
      assertThat(delta(tracker[0], tracker[1], "shoal_files")).isZero();
      assertThat(delta(tracker[0], tracker[1], "shoal_active_transfers")).isZero();
    }
    assertThat(delta(twoBefore, twoAfter, "shoal_transfers_ended_total", "outcome", "completed")).isEqualTo(1);
    assertThat(delta(oneBefore, oneAfter, "shoal_transfers_ended_total", "outcome", "completed")).isZero();
    assertThat(delta(twoBefore, twoAfter, "shoal_bytes_moved_total")).as("2 000 in progress, the rest at completion")
        .isEqualTo(SIZE);
    assertThat(delta(oneBefore, oneAfter, "shoal_bytes_moved_total")).isZero();
    assertThat(delta(twoBefore, twoAfter, "shoal_balancer_choices_total", "source", "whole")).isEqualTo(1);
    assertThat(delta(oneBefore, oneAfter, "shoal_balancer_choices_total", "source", "whole")).isZero();
    assertThat(delta(oneBefore, oneAfter, "shoal_not_available_total")).as("the lookup").isEqualTo(1);
    assertThat(delta(twoBefore, twoAfter, "shoal_not_available_total")).as("the two transfer starts").isEqualTo(2);
    leave(one, holder, downloader);
  }

  @Test
  @DisplayName("Bytes moved count each byte once: progress that goes down and up again adds nothing twice")
  void progressGoingDownAndUpCountsOnce() {
    String image = sha("metrics-image");
    Peer holder = one.register("metrics-image-holder", List.of(file(image, "image.iso", SIZE)));
    Peer downloader = one.register("metrics-image-downloader", List.of());
    String transfer = "/api/v1/transfers/" + one.startTransfer(downloader, image).bodyAsJsonObject().getString("transferId");
    PrometheusText before = scrape(one);

    for (long bytes : new long[] {SIZE, 0, SIZE, 1, SIZE}) {
      assertThat(one.post(transfer + "/progress", downloader.token(), new JsonObject().put("bytes", bytes)).statusCode())
          .isEqualTo(200);
    }

    assertThat(delta(before, scrape(one), "shoal_bytes_moved_total")).isEqualTo(SIZE);
    assertThat(one.get("/api/v1/transfers?state=active").bodyAsJsonArray().stream().map(JsonObject.class::cast)
        .filter(t -> transfer.endsWith(t.getString("transferId"))).findFirst().orElseThrow().getLong("bytes"))
        .as("the transfer's bytes stay at the highest report").isEqualTo(SIZE);
    assertThat(one.post(transfer + "/complete", downloader.token(), null).statusCode()).isEqualTo(200);
    leave(one, holder, downloader);
  }

  @Test
  @DisplayName("A transfer failed by its downloader counts as failed, and one whose source leaves as abandoned, "
      + "each on the tracker that took the report or the departure")
  void failedAndAbandonedTransfersCount() {
    String video = sha("metrics-video");
    Peer first = one.register("metrics-first-holder", List.of(file(video, "video.mkv", SIZE)));
    Peer second = one.register("metrics-second-holder", List.of(file(video, "video.mkv", SIZE)));
    Peer downloader = one.register("metrics-video-downloader", List.of());
    PrometheusText oneBefore = scrape(one);
    PrometheusText twoBefore = scrape(two);

    String failing = one.startTransfer(downloader, video).bodyAsJsonObject().getString("transferId");
    assertThat(one.post("/api/v1/transfers/" + failing + "/fail", downloader.token(),
        new JsonObject().put("reason", "stalled")).statusCode()).isEqualTo(200);
    HttpResponse<Buffer> abandoned = one.startTransfer(downloader, video);
    String source = abandoned.bodyAsJsonObject().getJsonObject("source").getString("peerId");
    Peer leaving = source.equals(first.peerId()) ? first : second;
    assertThat(two.delete("/api/v1/peers/" + leaving.peerId(), leaving.token()).statusCode()).isEqualTo(204);

    PrometheusText oneAfter = scrape(one);
    PrometheusText twoAfter = scrape(two);
    assertThat(delta(oneBefore, oneAfter, "shoal_transfers_ended_total", "outcome", "failed")).isEqualTo(1);
    assertThat(delta(twoBefore, twoAfter, "shoal_transfers_ended_total", "outcome", "failed")).isZero();
    assertThat(delta(twoBefore, twoAfter, "shoal_transfers_ended_total", "outcome", "abandoned")).isEqualTo(1);
    assertThat(delta(oneBefore, oneAfter, "shoal_transfers_ended_total", "outcome", "abandoned")).isZero();
    leave(one, leaving == first ? second : first, downloader);
  }

  /** The test's peers leave, so that the next test's figures start from an empty network, whichever runs first. */
  private static void leave(TrackerApi tracker, Peer... peers) {
    for (Peer peer : peers) {
      assertThat(tracker.delete("/api/v1/peers/" + peer.peerId(), peer.token()).statusCode()).isEqualTo(204);
    }
  }

  /**
   * Waits until both trackers' gauges show what PostgreSQL holds ({@code GET /api/v1/stats} counts
   * it there), each from its own read model; they hear of the other's commits a moment later.
   */
  private void assertGaugesShowTheDatabase() {
    eventually(() -> {
      JsonObject stats = one.get("/api/v1/stats").bodyAsJsonObject();
      for (TrackerApi tracker : List.of(one, two)) {
        PrometheusText now = scrape(tracker);
        assertThat(now.value("shoal_peers")).isEqualTo(stats.getLong("peers").doubleValue());
        assertThat(now.value("shoal_files")).isEqualTo(stats.getLong("files").doubleValue());
        assertThat(now.value("shoal_holdings")).isEqualTo(stats.getLong("holdings").doubleValue());
        assertThat(now.value("shoal_active_transfers")).isEqualTo(stats.getLong("activeTransfers").doubleValue());
      }
    });
  }

  private static PrometheusText scrape(TrackerApi tracker) {
    HttpResponse<Buffer> response = tracker.get("/metrics");
    assertThat(response.statusCode()).isEqualTo(200);
    return PrometheusText.parse(response.bodyAsString());
  }

  private static double delta(PrometheusText before, PrometheusText after, String name, String... labels) {
    return after.value(name, labels) - before.value(name, labels);
  }

  /** Polls {@code check} for a few seconds: the read models hear of commits through PostgreSQL's notifications. */
  private static void eventually(Runnable check) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      try {
        check.run();
        return;
      } catch (AssertionError e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
  }
}
