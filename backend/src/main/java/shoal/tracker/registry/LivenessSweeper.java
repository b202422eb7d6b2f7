package shoal.tracker.registry;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import shoal.tracker.TrackerConfig;
import shoal.tracker.events.RegistryEvents;

/**
 * Removes peers that stopped heartbeating, with everything they hold. Lookups already ignore a
 * peer the moment its TTL passes; this makes the removal visible (and announced) soon after.
 */
public final class LivenessSweeper extends PeriodicSweep {

  private PeerRegistry peers;

  public LivenessSweeper() {
    super("expired peer(s)", PeerRegistry.EXPIRY_BATCH);
  }

  @Override
  Duration prepare(TrackerConfig config, Pool pool) {
    peers = new PeerRegistry(pool, new RegistryEvents(pool), config.peerTtl());
    return sweepInterval(config.peerTtl());
  }

  @Override
  Future<Integer> removeBatch() {
    return peers.removeExpired();
  }

  /**
   * A quarter of the TTL, and at most a second: an expired peer's unfinished transfers load their
   * sources until it is removed, so that should follow its TTL closely. A sweep that finds nobody
   * is one indexed read.
   */
  static Duration sweepInterval(Duration peerTtl) {
    Duration quarter = peerTtl.dividedBy(4);
    Duration min = Duration.ofMillis(100);
    Duration max = Duration.ofSeconds(1);
    return quarter.compareTo(min) < 0 ? min : quarter.compareTo(max) > 0 ? max : quarter;
  }
}
