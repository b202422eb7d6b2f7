package shoal.tracker.registry;

import static shoal.tracker.registry.RegistryQueries.ANALYZE_SKIP_LOCKED;
import static shoal.tracker.registry.RegistryQueries.ANALYZE_TIMEOUT;
import static shoal.tracker.registry.RegistryQueries.TABLES_TO_ANALYZE;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import shoal.tracker.TrackerConfig;
import shoal.tracker.db.Transactions;

/**
 * Analyzes the registry's big tables soon after bulk changes, instead of leaving their planner
 * statistics to autovacuum, which looks at a database about once a minute: until then a table that
 * went from empty to a million holdings is planned as the empty one it was, and every query the
 * read model does not answer (a miss, a search while it loads, the sweeps) pays for that.
 *
 * <p>Every few seconds it reads how many rows of each table changed since its last analysis (one
 * read of the statistics system, not of the tables) and runs {@code ANALYZE} on those past the
 * threshold: more than {@value #MIN_CHANGED_ROWS} rows and a fifth of the table, autovacuum's own
 * rule with a larger fraction, so a registry growing steadily is analyzed a handful of times, not
 * at every check. ANALYZE reads a fixed-size sample whatever the table's size, blocks no reader or
 * writer, and skips a table someone else is analyzing or vacuuming. Several trackers on one
 * database do the same check; whichever comes first analyzes, and the others then find nothing
 * to do.
 */
public final class StatisticsKeeper extends PeriodicSweep {

  /** The tables whose size swings with the network: a lab joining, a lab powering off. */
  static final List<String> TABLES = List.of("holdings", "files", "peers");
  static final long MIN_CHANGED_ROWS = 1_000;
  static final double CHANGED_FRACTION = 0.2;
  static final Duration CHECK = Duration.ofSeconds(2);

  private Pool pool;

  public StatisticsKeeper() {
    // A check is never repeated within a tick: it analyzes every table due at once.
    super("analyzed", "table(s) after bulk changes", Integer.MAX_VALUE);
  }

  @Override
  Duration prepare(TrackerConfig config, Pool pool) {
    this.pool = pool;
    return CHECK;
  }

  @Override
  Future<Integer> sweepBatch() {
    return analyzeChanged(pool);
  }

  /**
   * Analyzes the tables past the threshold.
   *
   * @return how many tables were analyzed
   */
  static Future<Integer> analyzeChanged(Pool pool) {
    return pool.preparedQuery(TABLES_TO_ANALYZE)
        .execute(Tuple.of(TABLES.toArray(String[]::new), MIN_CHANGED_ROWS, CHANGED_FRACTION))
        .compose(rows -> {
          List<String> due = new ArrayList<>();
          // Names are taken from the fixed list, never from the result, into the statement's text.
          rows.forEach(row -> TABLES.stream().filter(row.getString("relname")::equals).forEach(due::add));
          if (due.isEmpty()) {
            return Future.succeededFuture(0);
          }
          return Transactions.run(pool, tx -> tx.query(ANALYZE_TIMEOUT).execute()
              .compose(set -> tx.query(ANALYZE_SKIP_LOCKED + String.join(", ", due)).execute())
              .map(done -> due.size()));
        });
  }
}
