package shoal.tracker.testing;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import shoal.tracker.Tracker;
import shoal.tracker.TrackerConfig;

/**
 * One real tracker for a test class, on a database of its own:
 * {@code @RegisterExtension static final TrackerExtension tracker = new TrackerExtension();}
 */
public final class TrackerExtension implements BeforeAllCallback, AfterAllCallback {

  private final Duration heartbeat;
  private final Duration peerTtl;
  private final boolean withTwin;
  private UnaryOperator<TrackerConfig> tuning = UnaryOperator.identity();
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

  /** One tracker started with {@code tuning} applied to the test defaults, e.g. a join key or small rate limits. */
  public static TrackerExtension tuned(UnaryOperator<TrackerConfig> tuning) {
    TrackerExtension extension = new TrackerExtension();
    extension.tuning = tuning;
    return extension;
  }

  /** Two tracker processes on one database, as when scaling out: {@link #tracker()} and {@link #twin()}. */
  public static TrackerExtension withTwin() {
    return withTwin(Duration.ofSeconds(10), Duration.ofSeconds(30));
  }

  /** Two tracker processes on one database, telling peers {@code heartbeat} and {@code peerTtl}. */
  public static TrackerExtension withTwin(Duration heartbeat, Duration peerTtl) {
    return new TrackerExtension(heartbeat, peerTtl, true);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    tracker = TestTrackers.start(config -> tuning.apply(new TrackerConfig(config.host(), config.port(), config.dbUrl(),
        config.dataDir(), heartbeat, peerTtl)));
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

  /** The twin's API, for extensions made {@link #withTwin()}. */
  public TrackerApi twinApi(Vertx vertx) {
    return new TrackerApi(vertx, twin.url());
  }
}
