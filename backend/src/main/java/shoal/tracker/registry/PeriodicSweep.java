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
 * A verticle that keeps the registry in shape a batch at a time, on a timer — removing what it no
 * longer needs, or analyzing what changed: every tick it runs batches until one comes back short,
 * each batch its own short transaction, so a backlog (a lab's 10 000 peers expiring at once) never
 * holds locks for long. A tick that comes
 * while the previous sweep still runs is skipped: one sweep per tracker at a time, whatever the
 * backlog. An outage is logged once, not every tick.
 */
abstract class PeriodicSweep extends VerticleBase {

  private final Logger log = LoggerFactory.getLogger(getClass());
  private final String verb;
  private final String what;
  private final int batch;
  private long timerId;
  /** Whether the last sweep failed; touched on this verticle's event loop only. */
  private boolean failing;
  /** Whether a sweep is running; touched on this verticle's event loop only. */
  private boolean sweeping;

  /**
   * @param verb what a sweep does, for the log ("removed")
   * @param what what it does it to, for the log ("expired peer(s)")
   * @param batch the most {@link #sweepBatch()} handles at once
   */
  PeriodicSweep(String verb, String what, int batch) {
    this.verb = verb;
    this.what = what;
    this.batch = batch;
  }

  /** Sets the sweep up on the process's registry pool; returns how often to sweep. */
  abstract Duration prepare(TrackerConfig config, Pool pool);

  /** Handles at most one batch; completes with how many it handled. */
  abstract Future<Integer> sweepBatch();

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

  private void sweep(int doneSoFar) {
    sweepBatch().onComplete(
        handled -> {
          if (failing) {
            failing = false;
            log.info("sweeps for {} work again", what);
          }
          if (handled == batch) {
            sweep(doneSoFar + handled);
            return;
          }
          sweeping = false;
          if (doneSoFar + handled > 0) {
            log.info("{} {} {}", verb, doneSoFar + handled, what);
          }
        },
        failure -> {
          sweeping = false;
          if (!failing) {
            failing = true;
            log.warn("a sweep for {} failed, retrying every tick until it works: {}", what, failure.getMessage());
          }
        });
  }
}
