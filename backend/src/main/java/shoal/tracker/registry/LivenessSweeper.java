package shoal.tracker.registry;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import shoal.tracker.TrackerConfig;
import shoal.tracker.events.RegistryEvents;
import shoal.tracker.metrics.TrackerMetrics;

/**
 * Removes peers that stopped heartbeating, with everything they hold. Lookups already ignore a
 * peer the moment its TTL passes; this makes the removal visible (and announced) soon after.
 * Before it sweeps, it beats the trackers' heartbeat ({@link OutageGrace}), so that peers whose
 * heartbeats nobody could take during an outage are not swept for it.
 */
public final class LivenessSweeper extends PeriodicSweep {

  /** Beats missed in a row before the gap counts as an outage: a slow tick is not one. */
  private static final int MISSED_BEATS = 3;

  private final TrackerMetrics metrics;
  private PeerRegistry peers;
  private OutageGrace grace;

  /** @param metrics counts the transfers abandoned with the peers it removes */
  public LivenessSweeper(TrackerMetrics metrics) {
    super("removed", "expired peer(s)", PeerRegistry.EXPIRY_BATCH);
    this.metrics = metrics;
  }

  @Override
  Duration prepare(TrackerConfig config, Pool pool) {
    peers = new PeerRegistry(pool, new RegistryEvents(pool), config.peerTtl(), OwnCommits.NONE, metrics);
    Duration interval = sweepInterval(config.peerTtl());
    grace = new OutageGrace(pool, interval.multipliedBy(MISSED_BEATS));
    return interval;
  }

  /**
   * Grants an outage's gap before the tracker serves, so that its first lookups already see the
   * peers the outage stranded. A database that does not answer yet is left to the next sweep.
   */
  @Override
  public Future<?> start() {
    return super.start().compose(started -> grace.beat().otherwiseEmpty());
  }

  @Override
  Future<Integer> sweepBatch() {
    return grace.beat().compose(granted -> peers.removeExpired());
  }

  /**
   * A quarter of the TTL, and at most a second: an expired peer's unfinished transfers load their
   * sources until it is removed, so that should follow its TTL closely. A sweep that finds nobody
   * is one indexed read, after the one-row write of the trackers' heartbeat.
   */
  static Duration sweepInterval(Duration peerTtl) {
    Duration quarter = peerTtl.dividedBy(4);
    Duration min = Duration.ofMillis(100);
    Duration max = Duration.ofSeconds(1);
    return quarter.compareTo(min) < 0 ? min : quarter.compareTo(max) > 0 ? max : quarter;
  }
}
