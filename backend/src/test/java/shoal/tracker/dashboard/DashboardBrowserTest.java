package shoal.tracker.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static shoal.tracker.testing.TrackerApi.file;
import static shoal.tracker.testing.TrackerApi.sha;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.JavascriptExecutor;
import shoal.tracker.Tracker;
import shoal.tracker.TrackerConfig;
import shoal.tracker.testing.HeadlessChromium;
import shoal.tracker.testing.TestPostgres;
import shoal.tracker.testing.TrackerApi;
import shoal.tracker.testing.TrackerApi.Peer;

/** The network dashboard in a real headless Chromium: live, without reloading or polling. */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("The network dashboard")
class DashboardBrowserTest {

  /** The acceptance bound for peers and transfers to show up or go. */
  private static final Duration LIVE = Duration.ofSeconds(2);
  /** Counters follow a moment later: they are re-read after the event that changed them. */
  private static final Duration COUNTERS = Duration.ofSeconds(5);

  private TrackerConfig config;
  private Tracker tracker;
  private HeadlessChromium browser;
  private TrackerApi api;

  @BeforeEach
  void start(Vertx vertx) throws IOException {
    config = new TrackerConfig("127.0.0.1", freePort(), TestPostgres.newDatabase(), Path.of("unused"),
        Duration.ofSeconds(10), Duration.ofSeconds(30));
    tracker = Tracker.start(config);
    api = new TrackerApi(vertx, tracker.url());
    browser = HeadlessChromium.start();
    browser.open(tracker.url() + "/");
    browser.waitFor(Duration.ofSeconds(10), d -> browser.text("#connection").equals("live"));
  }

  @AfterEach
  void stop() {
    browser.close();
    tracker.close();
  }

  @Test
  @DisplayName("a peer that joins shows in the table within 2 s, and disappears within 2 s when it leaves")
  void peersAppearAndDisappearLive() {
    Peer peer = api.register("lab-gpu-01", List.of(file(sha("weights"), "weights.bin", 1_000_000)));

    browser.waitFor(LIVE, d -> browser.text("#peers").contains("lab-gpu-01"));
    browser.waitFor(COUNTERS, d -> browser.text("#stat-peers").equals("1"));
    browser.waitFor(LIVE, d -> browser.text("#files").contains("weights.bin"));

    api.delete("/api/v1/peers/" + peer.peerId(), peer.token());

    browser.waitFor(LIVE, d -> !browser.text("#peers").contains("lab-gpu-01"));
    browser.waitFor(COUNTERS, d -> browser.text("#stat-peers").equals("0"));
    assertThat(browser.consoleErrors()).isEmpty();
  }

  @Test
  @DisplayName("a download shows as an active transfer whose bar moves, then as completed; the counters follow")
  void transferProgressIsShownLive() throws InterruptedException {
    String iso = sha("ubuntu");
    api.register("seeder", List.of(file(iso, "ubuntu.iso", 1_000_000)));
    Peer leecher = api.register("leecher", List.of());
    String transferId = api.startTransfer(leecher, iso).bodyAsJsonObject().getString("transferId");
    String bar = "tr[data-transfer-id='" + transferId + "'] [role=progressbar]";

    browser.waitFor(LIVE, d -> browser.text("#transfers").contains("seeder → leecher"));
    browser.waitFor(COUNTERS, d -> browser.text("#stat-active").equals("1"));
    // Progress moves the bytes counter by itself: the stats, a pass over every holding for the
    // tracker, are not read again for it.
    long statsReads = settledStatsReads();
    api.post("/api/v1/transfers/" + transferId + "/progress", leecher.token(), new JsonObject().put("bytes", 250_000));
    browser.waitFor(LIVE, d -> "25".equals(progressOf(bar)) && browser.text("#stat-bytes").equals("244 KiB"));
    api.post("/api/v1/transfers/" + transferId + "/progress", leecher.token(), new JsonObject().put("bytes", 750_000));
    browser.waitFor(LIVE, d -> "75".equals(progressOf(bar)) && browser.text("#stat-bytes").equals("732 KiB"));
    assertThat(settledStatsReads()).as("stats reads caused by progress").isEqualTo(statsReads);
    api.post("/api/v1/transfers/" + transferId + "/complete", leecher.token(), null);

    browser.waitFor(LIVE, d -> browser.text("#transfers").contains("completed"));
    assertThat(progressOf(bar)).isEqualTo("100");
    browser.waitFor(COUNTERS, d -> browser.text("#stat-completed").equals("1") && browser.text("#stat-active").equals("0"));
    browser.waitFor(COUNTERS, d -> browser.text("#stat-holdings").equals("2"));
    assertThat(browser.consoleErrors()).isEmpty();
  }

  @Test
  @DisplayName("after the tracker restarts, the open page recovers by itself and shows the current peers")
  void recoversAfterTrackerRestart() {
    api.register("before-restart", List.of());
    browser.waitFor(LIVE, d -> browser.text("#peers").contains("before-restart"));

    tracker.close();
    browser.waitFor(Duration.ofSeconds(15), d -> !browser.text("#connection").equals("live"));
    tracker = Tracker.start(config);
    api.register("after-restart", List.of());

    browser.waitFor(Duration.ofSeconds(20), d -> browser.text("#connection").equals("live"));
    browser.waitFor(Duration.ofSeconds(5), d -> browser.text("#peers").contains("after-restart"));
    assertThat(browser.text("#peers")).contains("before-restart");
    // While the tracker was down the browser logs its failed requests (net::ERR_…); no script error.
    assertThat(browser.consoleErrors()).allSatisfy(error -> assertThat(error).contains("net::ERR_"));
  }

  @Test
  @DisplayName("the bridge refuses a message sent by the browser and a listener on any other address")
  void bridgeRefusesInboundFromTheBrowser() {
    @SuppressWarnings("unchecked")
    Map<String, Object> answers = (Map<String, Object>) ((JavascriptExecutor) browser.driver()).executeAsyncScript("""
        const done = arguments[arguments.length - 1];
        const socket = new WebSocket(location.origin.replace('http', 'ws') + '/eventbus/websocket');
        const answers = [];
        socket.onmessage = async (event) => {
          const text = typeof event.data === 'string' ? event.data : await event.data.text();
          answers.push(JSON.parse(text));
          if (answers.length === 2) { socket.close(); done({ send: answers[0], register: answers[1] }); }
        };
        socket.onopen = () => {
          socket.send(JSON.stringify({ type: 'send', address: 'shoal.events', body: { type: 'peer.left' } }));
          socket.send(JSON.stringify({ type: 'register', address: 'shoal.secrets' }));
        };
        """);

    assertThat(answers.get("send")).isEqualTo(Map.of("type", "err", "body", "access_denied"));
    assertThat(answers.get("register")).isEqualTo(Map.of("type", "err", "body", "access_denied"));
    assertThat(browser.consoleErrors()).isEmpty();
  }

  @Test
  @DisplayName("on a phone-width screen the page fits without sideways scrolling")
  void fitsAPhoneScreen() {
    api.register("a-peer-with-a-rather-long-name-for-a-small-screen", List.of(file(sha("long"), "a-long-file-name-indeed.tar.gz", 1)));
    try (HeadlessChromium phone = HeadlessChromium.start(390, 844)) {
      phone.open(tracker.url() + "/");
      phone.waitFor(LIVE, d -> phone.text("#peers").contains("a-peer-with"));
      Object overflow = ((JavascriptExecutor) phone.driver())
          .executeScript("return document.documentElement.scrollWidth - window.innerWidth;");
      assertThat(((Number) overflow).intValue()).isLessThanOrEqualTo(0);
      assertThat(phone.consoleErrors()).isEmpty();
    }
  }

  /** How many times the page has fetched {@code /api/v1/stats}, once no re-read is pending (1.5 s without one). */
  private long settledStatsReads() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    long reads = statsReads();
    long quietSince = System.nanoTime();
    while (System.nanoTime() - quietSince < Duration.ofMillis(1500).toNanos()) {
      assertThat(System.nanoTime()).as("the stats reads settle within 10 s").isLessThan(deadline);
      Thread.sleep(250);
      long now = statsReads();
      if (now != reads) {
        reads = now;
        quietSince = System.nanoTime();
      }
    }
    return reads;
  }

  private long statsReads() {
    Object reads = ((JavascriptExecutor) browser.driver()).executeScript(
        "return performance.getEntriesByType('resource').filter(e => e.name.includes('/api/v1/stats')).length");
    return ((Number) reads).longValue();
  }

  private String progressOf(String barSelector) {
    return browser.attribute(barSelector, "aria-valuenow");
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
