package shoal.tracker.registry;

import static shoal.tracker.registry.RegistryQueries.DELETE_UNHELD_FILES;
import static shoal.tracker.registry.RegistryQueries.LOCK_UNHELD_FILES;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import shoal.tracker.TrackerConfig;
import shoal.tracker.db.Transactions;

/**
 * Removes catalogue entries of files nobody holds any more. Search and lookups already skip them;
 * removing them keeps the catalogue, and the walks over it, the size of what the network holds
 * rather than of everything it ever held (a build farm shares new artefacts every day).
 */
public final class CatalogueSweeper extends PeriodicSweep {

  /** Entries removed per transaction. */
  static final int BATCH = 1_000;

  private Pool pool;

  public CatalogueSweeper() {
    super("removed", "catalogue entries nobody holds any more", BATCH);
  }

  @Override
  Duration prepare(TrackerConfig config, Pool pool) {
    this.pool = pool;
    return config.catalogueSweep();
  }

  @Override
  Future<Integer> sweepBatch() {
    return removeUnheld(pool);
  }

  /**
   * Removes one batch of entries nobody holds. Safe beside registrations and other trackers'
   * sweeps: see {@code UPSERT_HOLDINGS} and {@code LOCK_UNHELD_FILES}.
   *
   * @return how many entries were removed
   */
  public static Future<Integer> removeUnheld(Pool pool) {
    return Transactions.run(pool, tx -> tx.preparedQuery(LOCK_UNHELD_FILES).execute(Tuple.of(BATCH)).compose(locked -> {
      if (locked.size() == 0) {
        return Future.succeededFuture(0);
      }
      List<String> hashes = new ArrayList<>(locked.size());
      locked.forEach(row -> hashes.add(row.getString("sha256")));
      return tx.preparedQuery(DELETE_UNHELD_FILES).execute(Tuple.of(hashes.toArray(String[]::new)))
          .map(deleted -> deleted.rowCount());
    }));
  }
}
