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

/**
 * A verticle that removes what the registry no longer needs, a batch at a time, on a timer: every
 * tick it removes batches until one comes back short, each batch its own short transaction, so a
 * backlog (a lab's 10 000 peers expiring at once) never holds locks for long. A tick that comes
 * while the previous sweep still runs is skipped: one sweep per tracker at a time, whatever the
 * backlog. An outage is logged once, not every tick.
 */
abstract class PeriodicSweep extends VerticleBase {

  private final Logger log = LoggerFactory.getLogger(getClass());
  private final String removes;
  private final int batch;
  private long timerId;
  /** Whether the last sweep failed; touched on this verticle's event loop only. */
  private boolean failing;
  /** Whether a sweep is running; touched on this verticle's event loop only. */
  private boolean sweeping;

  /**
   * @param removes what a sweep removes, for the log ("expired peer(s)")
   * @param batch the most {@link #removeBatch()} removes at once
   */
  PeriodicSweep(String removes, int batch) {
    this.removes = removes;
    this.batch = batch;
  }

  /** Sets the sweep up on the process's registry pool; returns how often to sweep. */
  abstract Duration prepare(TrackerConfig config, Pool pool);

  /** Removes at most one batch; completes with how many were removed. */
  abstract Future<Integer> removeBatch();

  /** What the log says a sweep did to what it {@code removes}. */
  String verb() {
    return "removed";
  }

  @Override
  public Future<?> start() {
    TrackerConfig config = TrackerConfig.fromJson(config());
    Duration interval = prepare(config, RegistryPool.create(vertx, DatabaseUrl.parse(config.dbUrl()), config.dbTimeouts()));
    timerId = vertx.setPeriodic(interval.toMillis(), id -> {
      if (!sweeping) {
        sweeping = true;
        sweep(0);
      }
    });
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timerId);
    return Future.succeededFuture();
  }

  private void sweep(int removedSoFar) {
    removeBatch().onComplete(
        removed -> {
          if (failing) {
            failing = false;
            log.info("sweeps for {} work again", removes);
          }
          if (removed == batch) {
            sweep(removedSoFar + removed);
            return;
          }
          sweeping = false;
          if (removedSoFar + removed > 0) {
            log.info("{} {} {}", verb(), removedSoFar + removed, removes);
          }
        },
        failure -> {
          sweeping = false;
          if (!failing) {
            failing = true;
            log.warn("a sweep for {} failed, retrying every tick until it works: {}", removes, failure.getMessage());
          }
        });
  }
}
