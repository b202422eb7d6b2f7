package shoal.tracker.registry;

import static shoal.tracker.registry.RegistryQueries.DELETE_UNHELD_FILES;
import static shoal.tracker.registry.RegistryQueries.LOCK_UNHELD_FILES;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import shoal.tracker.TrackerConfig;
import shoal.tracker.db.DatabaseUrl;
import shoal.tracker.db.RegistryPool;

/**
 * Removes catalogue entries of files nobody holds any more. Search and lookups already skip them;
 * removing them keeps the catalogue, and the walks over it, the size of what the network holds
 * rather than of everything it ever held (a build farm shares new artefacts every day).
 */
public final class CatalogueSweeper extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(CatalogueSweeper.class);

  /** Finding unheld entries reads the whole catalogue against the holdings: not more often. */
  static final Duration INTERVAL = Duration.ofMinutes(1);
  /** Entries removed per transaction. */
  static final int BATCH = 1_000;

  private Pool pool;
  private long timerId;
  /** Whether the last sweep failed, so an outage is logged once; touched on this verticle's event loop only. */
  private boolean failing;

  @Override
  public Future<?> start() {
    TrackerConfig config = TrackerConfig.fromJson(config());
    pool = RegistryPool.create(vertx, DatabaseUrl.parse(config.dbUrl()));
    timerId = vertx.setPeriodic(INTERVAL.toMillis(), id -> sweep(0));
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timerId);
    return Future.succeededFuture();
  }

  /**
   * Removes one batch of entries nobody holds. Safe beside registrations and other trackers'
   * sweeps: see {@code UPSERT_HOLDINGS} and {@code LOCK_UNHELD_FILES}.
   *
   * @return how many entries were removed
   */
  public static Future<Integer> removeUnheld(Pool pool) {
    return pool.withTransaction(tx -> tx.preparedQuery(LOCK_UNHELD_FILES).execute(Tuple.of(BATCH)).compose(locked -> {
      if (locked.size() == 0) {
        return Future.succeededFuture(0);
      }
      List<String> hashes = new ArrayList<>(locked.size());
      locked.forEach(row -> hashes.add(row.getString("sha256")));
      return tx.preparedQuery(DELETE_UNHELD_FILES).execute(Tuple.of(hashes.toArray(String[]::new)))
          .map(deleted -> deleted.rowCount());
    }));
  }

  private void sweep(int removedSoFar) {
    removeUnheld(pool).onComplete(
        removed -> {
          failing = false;
          if (removed == BATCH) {
            sweep(removedSoFar + removed);
          } else if (removedSoFar + removed > 0) {
            LOG.info("removed {} catalogue entries nobody holds any more", removedSoFar + removed);
          }
        },
        failure -> {
          if (!failing) {
            failing = true;
            LOG.warn("catalogue sweep failed, retrying every minute until it works: {}", failure.getMessage());
          }
        });
  }
}
