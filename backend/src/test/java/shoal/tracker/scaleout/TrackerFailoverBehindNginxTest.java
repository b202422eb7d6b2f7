package shoal.tracker.scaleout;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import shoal.tracker.Tracker;
import shoal.tracker.testing.HeadlessChromium;
import shoal.tracker.testing.Nginx;
import shoal.tracker.testing.TestTrackers;
import shoal.tracker.testing.TrackerApi;

/** What users of two trackers behind nginx ({@code deploy/nginx/shoal.conf}) see when one of them stops. */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("Two trackers behind nginx, one of which stops")
class TrackerFailoverBehindNginxTest {

  private Tracker survivor;
  private Tracker stopping;
  private Nginx nginx;

  @BeforeEach
  void start() {
    survivor = TestTrackers.start();
    stopping = TestTrackers.startOn(survivor.config().dbUrl(), Duration.ofSeconds(10), Duration.ofSeconds(30));
    nginx = Nginx.start("127.0.0.1:" + survivor.port(), "127.0.0.1:" + stopping.port());
  }

  @AfterEach
  void stop() {
    for (AutoCloseable running : new AutoCloseable[] {nginx, stopping, survivor}) {
      if (running != null) {
        try {
          running.close();
        } catch (Exception e) {
          // the others are stopped all the same
        }
      }
    }
  }

  @Test
  @DisplayName("registrations through nginx go on succeeding, and an open dashboard comes back live and shows them")
  void theOtherTrackerTakesOver(Vertx vertx) {
    TrackerApi viaNginx = new TrackerApi(vertx, nginx.url());
    try (HeadlessChromium browser = HeadlessChromium.start()) {
      browser.open(nginx.url() + "/");
      browser.waitFor(Duration.ofSeconds(15), d -> browser.text("#connection").equals("live"));

      stopping.close();
      stopping = null;

      // A registration is never sent twice, but one that could not reach a tracker at all is sent
      // to the other: every one of them succeeds.
      for (int i = 0; i < 10; i++) {
        viaNginx.register("after-the-stop-" + i, List.of());
      }
      browser.waitFor(Duration.ofSeconds(20), d -> browser.text("#connection").equals("live")
          && browser.text("#peers").contains("after-the-stop-9"));
      assertThat(browser.text("#peers")).contains("after-the-stop-0");
    }
  }
}
