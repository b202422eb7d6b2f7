package shoal.tracker.registry;

import static shoal.tracker.registry.RegistryQueries.PRUNE_FINISHED_TRANSFERS;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import shoal.tracker.TrackerConfig;

/**
 * Removes transfers that finished longer ago than the retention, so the registry grows with the
 * network, not with its history. What they counted towards (completed transfers, bytes moved,
 * each source's served total) is kept in running totals, so no figure a user sees changes. Active
 * transfers are never removed; several trackers on one database share the work.
 */
public final class TransferPruner extends PeriodicSweep {

  /** Transfers deleted per statement: a short transaction, whatever the backlog. */
  static final int BATCH = 1_000;

  private Pool pool;
  private double retentionSeconds;

  public TransferPruner() {
    super("removed", "finished transfer(s) past their retention", BATCH);
  }

  @Override
  Duration prepare(TrackerConfig config, Pool pool) {
    this.pool = pool;
    this.retentionSeconds = config.transferRetention().toMillis() / 1000.0;
    return sweepInterval(config.transferRetention());
  }

  @Override
  Future<Integer> sweepBatch() {
    return prune(pool, retentionSeconds);
  }

  /**
   * Deletes one batch of transfers finished more than {@code retentionSeconds} ago.
   *
   * @return how many were deleted
   */
  public static Future<Integer> prune(Pool pool, double retentionSeconds) {
    return pool.preparedQuery(PRUNE_FINISHED_TRANSFERS).execute(Tuple.of(retentionSeconds, BATCH)).map(rows -> rows.rowCount());
  }

  /**
   * A tenth of the retention, between 100 ms and a minute: a transfer outlives its retention by at
   * most that, and a sweep finding nothing is one read of an index's oldest end.
   */
  static Duration sweepInterval(Duration retention) {
    Duration tenth = retention.dividedBy(10);
    Duration min = Duration.ofMillis(100);
    Duration max = Duration.ofMinutes(1);
    return tenth.compareTo(min) < 0 ? min : tenth.compareTo(max) > 0 ? max : tenth;
  }
}
