package shoal.tracker.registry;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import shoal.tracker.TrackerConfig;
import shoal.tracker.db.DatabaseUrl;
import shoal.tracker.db.RegistryPool;
import shoal.tracker.events.RegistryEvents;

/**
 * Removes peers that stopped heartbeating, with everything they hold. Lookups already ignore a
 * peer the moment its TTL passes; this makes the removal visible (and announced) soon after.
 */
public final class LivenessSweeper extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(LivenessSweeper.class);

  private PeerRegistry peers;
  private long timerId;
  /** Whether the last sweep failed; touched on this verticle's event loop only. */
  private boolean failing;

  @Override
  public Future<?> start() {
    TrackerConfig config = TrackerConfig.fromJson(config());
    Pool pool = RegistryPool.create(vertx, DatabaseUrl.parse(config.dbUrl()));
    peers = new PeerRegistry(pool, new RegistryEvents(pool), config.peerTtl());
    timerId = vertx.setPeriodic(sweepInterval(config.peerTtl()).toMillis(), id -> sweep());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timerId);
    return Future.succeededFuture();
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

  private void sweep() {
    peers.removeExpired().onComplete(
        removed -> {
          if (failing) {
            failing = false;
            LOG.info("expiry sweeps work again");
          }
          if (removed > 0) {
            LOG.info("removed {} expired peer(s)", removed);
            if (removed == PeerRegistry.EXPIRY_BATCH) {
              sweep();
            }
          }
        },
        failure -> {
          // Once per outage, not once a second.
          if (!failing) {
            failing = true;
            LOG.warn("expiry sweep failed, retrying every tick until it works: {}", failure.getMessage());
          }
        });
  }
}
