package shoal.tracker.testing;

import io.vertx.core.Vertx;
import java.time.Duration;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import shoal.tracker.Tracker;

/**
 * One real tracker for a test class, on a database of its own:
 * {@code @RegisterExtension static final TrackerExtension tracker = new TrackerExtension();}
 */
public final class TrackerExtension implements BeforeAllCallback, AfterAllCallback {

  private final Duration heartbeat;
  private final Duration peerTtl;
  private final boolean withTwin;
  private Tracker tracker;
  private Tracker twin;

  public TrackerExtension() {
    this(Duration.ofSeconds(10), Duration.ofSeconds(30));
  }

  public TrackerExtension(Duration heartbeat, Duration peerTtl) {
    this(heartbeat, peerTtl, false);
  }

  private TrackerExtension(Duration heartbeat, Duration peerTtl, boolean withTwin) {
    this.heartbeat = heartbeat;
    this.peerTtl = peerTtl;
    this.withTwin = withTwin;
  }

  /** Two tracker processes on one database, as when scaling out: {@link #tracker()} and {@link #twin()}. */
  public static TrackerExtension withTwin() {
    return new TrackerExtension(Duration.ofSeconds(10), Duration.ofSeconds(30), true);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    tracker = TestTrackers.start(heartbeat, peerTtl);
    if (withTwin) {
      twin = TestTrackers.startOn(tracker.config().dbUrl(), heartbeat, peerTtl);
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (twin != null) {
      twin.close();
    }
    tracker.close();
  }

  /** The second tracker on the same database; only with {@link #withTwin()}. */
  public Tracker twin() {
    return twin;
  }

  public Tracker tracker() {
    return tracker;
  }

  /** The tracker's REST API through the test's Vert.x. */
  public TrackerApi api(Vertx vertx) {
    return new TrackerApi(vertx, tracker.url());
  }
}
