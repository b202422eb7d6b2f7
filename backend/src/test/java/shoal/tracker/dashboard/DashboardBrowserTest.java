package shoal.tracker.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static shoal.tracker.testing.TrackerApi.file;
import static shoal.tracker.testing.TrackerApi.partial;
import static shoal.tracker.testing.TrackerApi.pieces;
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
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
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
  @DisplayName("a peer serving part of a file shows under Downloading with a bar of its pieces, a transfer from it carries a pieces badge, and both go when it withdraws or leaves")
  void partialHoldersAppearAndDisappearLive() {
    String iso = sha("swarm-iso");
    Peer early = api.register("early-bird", List.of());
    Peer late = api.register("late-comer", List.of());
    String earlyRow = "#partials tr[data-peer-id='" + early.peerId() + "']";
    String lateRow = "#partials tr[data-peer-id='" + late.peerId() + "']";

    api.announcePartial(early, iso, partial("swarm.iso", 1_000_000, 100, pieces(0, 25)));
    browser.waitFor(LIVE, d -> "25".equals(progressOf(earlyRow + " [role=progressbar]")));
    assertThat(browser.text(earlyRow)).contains("early-bird").contains("swarm.iso").contains("25 of 100 pieces");
    api.announcePartial(early, iso, partial("swarm.iso", 1_000_000, 100, pieces(0, 60)));
    browser.waitFor(LIVE, d -> "60".equals(progressOf(earlyRow + " [role=progressbar]")));

    // The late comer has the rest: between them the whole file, so it is given the early bird.
    api.announcePartial(late, iso, partial("swarm.iso", 1_000_000, 100, pieces(60, 100)));
    JsonObject lease = api.post("/api/v1/transfers", late.token(), new JsonObject().put("sha256", iso).put("pieces", true))
        .bodyAsJsonObject();
    assertThat(lease.getJsonObject("source").getString("peerId")).isEqualTo(early.peerId());
    String transfer = "tr[data-transfer-id='" + lease.getString("transferId") + "']";
    browser.waitFor(LIVE, d -> browser.text(transfer).contains("early-bird → late-comer") && browser.findAll(transfer + " .badge").size() == 1);
    browser.waitFor(LIVE, d -> browser.findAll(lateRow).size() == 1);

    api.delete("/api/v1/peers/" + early.peerId() + "/partials/" + iso, early.token());
    browser.waitFor(LIVE, d -> browser.findAll(earlyRow).isEmpty() && browser.findAll(transfer + " .badge").isEmpty());
    api.delete("/api/v1/peers/" + late.peerId(), late.token());
    WebElement nobody = browser.driver().findElement(By.id("partials-empty"));
    browser.waitFor(LIVE, d -> browser.findAll(lateRow).isEmpty() && nobody.isDisplayed());
    assertThat(browser.consoleErrors()).isEmpty();
  }

  @Test
  @DisplayName("typing in the file search shows only the files whose name matches, and says so when none does")
  void fileSearchFiltersTheFileList() {
    api.register("library", List.of(file(sha("alpha"), "alpha-report.pdf", 10), file(sha("beta"), "beta-notes.txt", 20),
        file(sha("gamma"), "gamma-REPORT.csv", 30)));
    browser.waitFor(LIVE, d -> fileRows().size() == 3);
    WebElement query = browser.driver().findElement(By.id("file-query"));
    WebElement none = browser.driver().findElement(By.id("files-empty"));
    assertThat(none.isDisplayed()).isFalse();

    query.sendKeys("report");
    browser.waitFor(LIVE, d -> fileRows().equals(List.of("alpha-report.pdf", "gamma-REPORT.csv")));
    assertThat(none.isDisplayed()).isFalse();

    query.sendKeys("-nothing-like-it");
    browser.waitFor(LIVE, d -> fileRows().isEmpty() && none.isDisplayed());

    query.clear();
    query.sendKeys("notes");
    browser.waitFor(LIVE, d -> fileRows().equals(List.of("beta-notes.txt")) && !none.isDisplayed());
    assertThat(browser.consoleErrors()).isEmpty();
  }

  @Test
  @DisplayName("while a transfer moves, its row shows a rate and an ETA that shrinks, and the rate chart draws it; both rest when it ends")
  void rateAndEtaFollowProgress() throws InterruptedException {
    long size = 20L * 1024 * 1024;
    String video = sha("lecture-video");
    api.register("rate-source", List.of(file(video, "lecture.mp4", size)));
    Peer viewer = api.register("rate-viewer", List.of());
    String transferId = api.startTransfer(viewer, video).bodyAsJsonObject().getString("transferId");
    String row = "tr[data-transfer-id='" + transferId + "']";
    browser.waitFor(LIVE, d -> browser.text(row).contains("rate-source → rate-viewer"));
    WebElement chart = browser.driver().findElement(By.cssSelector("#rate-chart canvas"));
    assertThat(chart.isDisplayed()).isTrue();
    assertThat(browser.text(row + " td:nth-child(5)")).as("ETA before any progress").isEqualTo("—");
    assertThat(browser.text("#rate-now")).as("the chart's current rate while nothing moves").isEmpty();
    double idlePeak = chartPeak();

    // A steady 2 MiB/s: 512 KiB every quarter second, up to 19.5 MiB of 20. The page measures the
    // rate from when progress events arrive, and those come in bursts on a busy machine, so each
    // reading is a sample: what must hold is that the ETA read long while most bytes were left and
    // short near the end, and that the rate showed while bytes moved.
    long step = 512 * 1024;
    long mostEtaEarly = -1;
    long leastEtaLate = Long.MAX_VALUE;
    boolean rateShown = false;
    boolean chartRateShown = false;
    for (long sent = step; sent < size; sent += step) {
      progress(viewer, transferId, sent);
      Thread.sleep(250);
      rateShown |= browser.text(row + " td:nth-child(4)").matches("\\d+(\\.\\d)? (KiB|MiB)/s");
      chartRateShown |= browser.text("#rate-now").matches("now \\d+(\\.\\d)? (KiB|MiB)/s");
      Long eta = seconds(browser.text(row + " td:nth-child(5)"));
      if (eta != null && sent <= 6L * 1024 * 1024) {
        mostEtaEarly = Math.max(mostEtaEarly, eta);
      }
      if (eta != null && sent >= 18L * 1024 * 1024) {
        leastEtaLate = Math.min(leastEtaLate, eta);
      }
    }
    assertThat(rateShown).as("the row's rate while bytes moved").isTrue();
    assertThat(chartRateShown).as("the chart's current rate while bytes moved").isTrue();
    // 14 MiB or more left at 2 MiB/s is 7 s or more; 2 MiB or less is a second.
    assertThat(mostEtaEarly).as("longest ETA read while 14 MiB or more were left").isGreaterThanOrEqualTo(5);
    assertThat(leastEtaLate).as("shortest ETA read while 2 MiB or less were left").isLessThanOrEqualTo(2);
    browser.waitFor(LIVE, d -> chartPeak() > idlePeak + 0.3);

    api.post("/api/v1/transfers/" + transferId + "/complete", viewer.token(), null);
    browser.waitFor(LIVE, d -> browser.text(row).contains("completed")
        && browser.text(row + " td:nth-child(4)").equals("—") && browser.text(row + " td:nth-child(5)").equals("—"));
    // Nothing moves any more: within a couple of ticks the current rate is gone from the heading.
    browser.waitFor(Duration.ofSeconds(3), d -> browser.text("#rate-now").isEmpty());
    // The finished row leaves after a few seconds, and the table says nothing is moving.
    WebElement nothingMoving = browser.driver().findElement(By.id("transfers-empty"));
    browser.waitFor(Duration.ofSeconds(10), d -> browser.findAll(row).isEmpty() && nothingMoving.isDisplayed());
    assertThat(browser.consoleErrors()).isEmpty();
  }

  @Test
  @DisplayName("the rate chart draws a steady transfer at its real rate, without spikes, through to its end")
  void rateChartHasNoSpikes() throws InterruptedException {
    // 2 MiB/s reported as 1.5 MiB every 0.75 s, then the completion with the last 0.75 MiB: a
    // chart counting each report in the second it arrived would show 3 MiB in some seconds (two
    // reports in one), since eight reports cannot fit in six seconds one per second.
    long realRate = 2L * 1024 * 1024;
    long step = 3L * 512 * 1024;
    int reports = 8;
    long size = reports * step + step / 2;
    String image = sha("disk-image");
    api.register("steady-source", List.of(file(image, "disk.img", size)));
    Peer copier = api.register("steady-copier", List.of());
    String transferId = api.startTransfer(copier, image).bodyAsJsonObject().getString("transferId");
    browser.waitFor(LIVE, d -> browser.text("#transfers").contains("steady-source → steady-copier"));

    // Each report goes out at its planned moment, whatever the previous one cost, so a slow
    // request on a busy machine does not shift the rest.
    long start = System.nanoTime();
    long highest = 0;
    for (int report = 1; report <= reports + 1; report++) {
      long due = start + Duration.ofMillis(750L * report).toNanos() - (report > reports ? Duration.ofMillis(375).toNanos() : 0);
      while (System.nanoTime() < due) {
        highest = Math.max(highest, chartRateNow());
        Thread.sleep(Math.max(1, Math.min(100, (due - System.nanoTime()) / 1_000_000)));
      }
      if (report <= reports) {
        progress(copier, transferId, report * step);
      } else {
        api.post("/api/v1/transfers/" + transferId + "/complete", copier.token(), null);
      }
    }
    long end = System.nanoTime() + Duration.ofMillis(2500).toNanos();
    while (System.nanoTime() < end) {
      highest = Math.max(highest, chartRateNow());
      Thread.sleep(100);
    }

    assertThat(highest).as("the highest rate the chart drew, in bytes a second, for a steady 2 MiB/s")
        .isGreaterThan(realRate * 6 / 10)
        .isLessThan(realRate * 135 / 100);
    assertThat(browser.consoleErrors()).isEmpty();
  }

  @Test
  @DisplayName("the Active transfers counter changes together with the transfers table, not a second later")
  void activeCounterAgreesWithTheTable() throws InterruptedException {
    String archive = sha("archive");
    api.register("counter-source", List.of(file(archive, "archive.tar", 1_000_000)));
    Peer first = api.register("counter-first", List.of());
    Peer second = api.register("counter-second", List.of());
    browser.waitFor(LIVE, d -> browser.text("#peers").contains("counter-second"));

    String one = api.startTransfer(first, archive).bodyAsJsonObject().getString("transferId");
    assertCounterFollowsTable(1);
    String two = api.startTransfer(second, archive).bodyAsJsonObject().getString("transferId");
    assertCounterFollowsTable(2);
    assertThat(api.post("/api/v1/transfers/" + one + "/complete", first.token(), null).statusCode()).isEqualTo(200);
    assertCounterFollowsTable(1);
    assertThat(api.post("/api/v1/transfers/" + two + "/fail", second.token(), new JsonObject().put("reason", "too_slow"))
        .statusCode()).isEqualTo(200);
    assertCounterFollowsTable(0);
    assertThat(browser.consoleErrors()).isEmpty();
  }

  /**
   * Reads the table's active rows and the counter in one script, again and again, until the table
   * shows {@code active} rows: every reading on the way must have the counter equal to the rows.
   */
  private void assertCounterFollowsTable(int active) throws InterruptedException {
    long deadline = System.nanoTime() + LIVE.toNanos();
    while (true) {
      @SuppressWarnings("unchecked")
      List<Object> reading = (List<Object>) ((JavascriptExecutor) browser.driver()).executeScript(
          "return [document.querySelectorAll('#transfers tr.active').length, document.querySelector('#stat-active').textContent];");
      int rows = ((Number) reading.get(0)).intValue();
      assertThat(reading.get(1)).as("the Active transfers counter beside %d active rows", rows).isEqualTo(String.valueOf(rows));
      if (rows == active) {
        return;
      }
      assertThat(System.nanoTime()).as("the table shows %d active transfers within %s", active, LIVE).isLessThan(deadline);
      Thread.sleep(10);
    }
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

  /** The chart's rate for its last whole second, in bytes a second (0 before the first tick). */
  private long chartRateNow() {
    Object value = ((JavascriptExecutor) browser.driver()).executeScript(
        "return document.getElementById('rate-now').dataset.bytesPerSecond || '0';");
    return Long.parseLong((String) value);
  }

  /** The names in the file table, in the order shown. */
  private List<String> fileRows() {
    return texts("#files tr td:first-child");
  }

  /**
   * How high the rate line reaches on the chart, as a share of the canvas's height: the topmost
   * pixel drawn in the line's colour (#0b6bcb, opaque, so not the pale fill under it). A flat
   * line at zero sits low, above the time axis; a burst of bytes lifts it near the top.
   */
  private double chartPeak() {
    Object peak = ((JavascriptExecutor) browser.driver()).executeScript("""
        const canvas = document.querySelector('#rate-chart canvas');
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        for (let y = 0; y < canvas.height; y++) {
          for (let x = 0; x < canvas.width; x++) {
            const i = (y * canvas.width + x) * 4;
            if (pixels[i] < 60 && pixels[i + 1] > 80 && pixels[i + 1] < 140 && pixels[i + 2] > 170 && pixels[i + 3] > 150) {
              return (canvas.height - y) / canvas.height;
            }
          }
        }
        return 0;
        """);
    return ((Number) peak).doubleValue();
  }

  /** The text of each element matching, read in one script so that re-rendering cannot interrupt it. */
  private List<String> texts(String cssSelector) {
    @SuppressWarnings("unchecked")
    List<String> texts = (List<String>) ((JavascriptExecutor) browser.driver()).executeScript(
        "return [...document.querySelectorAll(arguments[0])].map(e => e.innerText);", cssSelector);
    return texts;
  }

  private void progress(Peer downloader, String transferId, long bytes) {
    assertThat(api.post("/api/v1/transfers/" + transferId + "/progress", downloader.token(),
        new JsonObject().put("bytes", bytes)).statusCode()).isEqualTo(200);
  }

  /** {@code text} when it matches {@code regex} whole, else null (so a wait goes on). */
  private static String matching(String text, String regex) {
    return text.matches(regex) ? text : null;
  }

  /** An ETA shown as "N s" or "N min", in seconds; null for anything else. */
  private static Long seconds(String eta) {
    if (eta.matches("\\d+ s")) {
      return Long.parseLong(eta.substring(0, eta.length() - 2));
    }
    if (eta.matches("\\d+ min")) {
      return 60 * Long.parseLong(eta.substring(0, eta.length() - 4));
    }
    return null;
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
