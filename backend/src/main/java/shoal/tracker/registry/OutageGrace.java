package shoal.tracker.registry;

import static shoal.tracker.registry.RegistryQueries.EXTEND_STRANDED_PEERS;
import static shoal.tracker.registry.RegistryQueries.LOCK_TRACKER_HEARTBEAT;
import static shoal.tracker.registry.RegistryQueries.TRACKER_ALIVE;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlResult;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import shoal.tracker.db.Transactions;

/**
 * Keeps one outage from expiring the whole network. Peers cannot heartbeat while no tracker is
 * alive (all of them stopped or crashed, or the database down), so when a tracker finds that none
 * was alive for longer than a few of its beats, it gives every peer stranded by the outage that
 * time back before anything else looks at their TTLs. Peers that stay silent afterwards expire as
 * usual, the remaining part of their TTL later.
 *
 * <p>Each tracker beats this on its liveness sweeper's timer, before each sweep, so no sweep —
 * on any tracker sharing the database — removes a peer the gap should have spared.
 */
final class OutageGrace {

  private static final Logger LOG = LoggerFactory.getLogger(OutageGrace.class);

  private final Pool pool;
  private final Duration outage;

  /** @param outage a gap longer than this means no tracker was alive: a few of the slowest tracker's beats */
  OutageGrace(Pool pool, Duration outage) {
    this.pool = pool;
    this.outage = outage;
  }

  /**
   * Records that a tracker is alive now, first granting the gap since the last one was, if it is
   * an outage. Completes with the number of peers given time back.
   */
  Future<Integer> beat() {
    return Transactions.run(pool, tx -> tx.query(LOCK_TRACKER_HEARTBEAT).execute().compose(rows -> {
      Row last = rows.iterator().next();
      double gapSeconds = last.getDouble("gap_seconds");
      Future<Integer> granted = gapSeconds * 1000 <= outage.toMillis()
          ? Future.succeededFuture(0)
          : tx.preparedQuery(EXTEND_STRANDED_PEERS).execute(Tuple.of(last.getOffsetDateTime("alive_at"), gapSeconds))
              .map(SqlResult::rowCount)
              .onSuccess(peers -> {
                if (peers > 0) {
                  LOG.info("no tracker was alive for {} s; {} peer(s) got that time back to heartbeat again",
                      Math.round(gapSeconds * 10) / 10.0, peers);
                }
              });
      return granted.compose(peers -> tx.query(TRACKER_ALIVE).execute().map(peers));
    }));
  }
}
