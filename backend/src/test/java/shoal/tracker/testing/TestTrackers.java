package shoal.tracker.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;
import shoal.tracker.Tracker;
import shoal.tracker.TrackerConfig;

/** Starts real trackers for tests: on 127.0.0.1, port 0, each on a fresh database of its own. */
public final class TestTrackers {

  private TestTrackers() {}

  /** A tracker on a new database, with the production heartbeat and TTL. */
  public static Tracker start() {
    return start(Duration.ofSeconds(10), Duration.ofSeconds(30));
  }

  public static Tracker start(Duration heartbeat, Duration peerTtl) {
    return startOn(TestPostgres.newDatabase(), heartbeat, peerTtl);
  }

  /** A tracker on a new database, with the production heartbeat and TTL and {@code tuning} applied. */
  public static Tracker start(UnaryOperator<TrackerConfig> tuning) {
    return Tracker.start(tuning.apply(new TrackerConfig("127.0.0.1", 0, TestPostgres.newDatabase(), Path.of("unused"),
        Duration.ofSeconds(10), Duration.ofSeconds(30))));
  }

  /** A tracker on an existing database, e.g. a second tracker process sharing the first one's. */
  public static Tracker startOn(String dbUrl, Duration heartbeat, Duration peerTtl) {
    return Tracker.start(new TrackerConfig("127.0.0.1", 0, dbUrl, Path.of("unused"), heartbeat, peerTtl));
  }
}
