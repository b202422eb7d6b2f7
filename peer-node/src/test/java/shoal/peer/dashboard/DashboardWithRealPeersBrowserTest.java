package shoal.peer.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import shoal.peer.PeerNode;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;
import shoal.tracker.testing.HeadlessChromium;

/** The tracker's dashboard watching real peer nodes join, move a file and leave. */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("The dashboard with real peers")
class DashboardWithRealPeersBrowserTest {

  private static final Duration LIVE = Duration.ofSeconds(2);

  @TempDir
  Path seedShare;
  @TempDir
  Path leechShare;
  private PeerNetwork network;
  private HeadlessChromium browser;

  @BeforeEach
  void start(Vertx vertx) {
    network = PeerNetwork.start(vertx);
    browser = HeadlessChromium.start();
    browser.open(network.trackerUrl() + "/");
    browser.waitFor(Duration.ofSeconds(10), d -> browser.text("#connection").equals("live"));
  }

  @AfterEach
  void stop() {
    browser.close();
    network.close();
  }

  @Test
  @DisplayName("a peer started while the page is open shows within 2 s; after it leaves it is gone within 2 s")
  void peerJoinsAndLeaves(Vertx vertx) throws Exception {
    TestFiles.text(seedShare.resolve("hello.txt"), "hello");

    PeerNode peer = network.peer("joiner", seedShare);
    browser.waitFor(LIVE, d -> browser.text("#peers").contains("joiner"));

    assertThat(network.control(peer).post("/api/v1/leave", peer.controlToken(), null).statusCode()).isEqualTo(200);
    browser.waitFor(LIVE, d -> !browser.text("#peers").contains("joiner"));
    assertThat(browser.consoleErrors()).isEmpty();
  }

  @Test
  @DisplayName("a download between two peers shows as an active transfer whose bar moves, then completes; counters follow")
  void downloadIsShownMovingThenCompleted() throws Exception {
    // 6 MiB at 1.5 MiB/s: about four seconds of visible progress.
    String sha256 = TestFiles.random(seedShare.resolve("survey.bin"), 6L << 20, 11);
    network.peer("seeder", seedShare, config -> config.withUploadLimit(1_572_864));
    PeerNode leecher = network.peer("leecher", leechShare);
    browser.waitFor(LIVE, d -> browser.text("#peers").contains("leecher"));

    assertThat(network.control(leecher).post("/api/v1/downloads", leecher.controlToken(),
        new JsonObject().put("sha256", sha256)).statusCode()).isEqualTo(202);

    browser.waitFor(LIVE, d -> browser.text("#transfers").contains("seeder → leecher"));
    browser.waitFor(Duration.ofSeconds(5), d -> browser.text("#stat-active").equals("1"));
    List<Integer> seen = new ArrayList<>();
    browser.waitFor(Duration.ofSeconds(20), d -> {
      boolean completed = browser.text("#transfers").contains("completed");
      String value = browser.attribute("#transfers [role=progressbar]", "aria-valuenow");
      if (value != null && (seen.isEmpty() || seen.get(seen.size() - 1) != Integer.parseInt(value))) {
        seen.add(Integer.parseInt(value));
      }
      return completed;
    });

    assertThat(seen).as("progress values the bar showed").hasSizeGreaterThanOrEqualTo(3).isSorted();
    assertThat(seen.get(seen.size() - 1)).isEqualTo(100);
    browser.waitFor(Duration.ofSeconds(5), d -> browser.text("#stat-completed").equals("1") && browser.text("#stat-active").equals("0"));
    assertThat(network.holdersOf(sha256)).contains(leecher.peerId());
    assertThat(browser.consoleErrors()).isEmpty();
  }
}
