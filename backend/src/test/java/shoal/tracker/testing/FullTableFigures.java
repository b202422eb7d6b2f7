package shoal.tracker.testing;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.util.HashMap;
import java.util.Map;

/**
 * What the stats were before they became running totals: counted and summed over every row, as
 * {@code GET /api/v1/stats} did up to migration 4. Tests hold the counters to these figures.
 */
public final class FullTableFigures {

  private static final String STATS = """
      SELECT
        (SELECT count(*) FROM peers WHERE expires_at > now()) AS peers,
        (SELECT count(DISTINCT sha256) FROM holdings) AS files,
        (SELECT count(*) FROM holdings) AS holdings,
        (SELECT count(*) FROM transfers WHERE state = 'active') AS active_transfers,
        (SELECT count(*) FROM transfers WHERE state = 'completed') AS completed_transfers,
        (SELECT coalesce(sum(bytes), 0) FROM transfers) AS bytes_transferred""";

  /** What each live source served: the bytes its completed transfers were credited with. */
  private static final String SERVED = """
      SELECT p.peer_id, coalesce(sum(t.bytes) FILTER (WHERE t.state = 'completed'), 0) AS served
      FROM peers p LEFT JOIN transfers t ON t.source_id = p.peer_id
      WHERE p.expires_at > now()
      GROUP BY p.peer_id""";

  private FullTableFigures() {}

  /** The stats as the API names them. */
  public static JsonObject stats(Pool pool) {
    Row row = TrackerApi.await(pool.query(STATS).execute()).iterator().next();
    return new JsonObject()
        .put("peers", row.getLong("peers"))
        .put("files", row.getLong("files"))
        .put("holdings", row.getLong("holdings"))
        .put("activeTransfers", row.getLong("active_transfers"))
        .put("completedTransfers", row.getLong("completed_transfers"))
        .put("bytesTransferred", row.getLong("bytes_transferred"));
  }

  /** Bytes each live peer served, by peer id, counted from the transfers still on record. */
  public static Map<String, Long> served(Pool pool) {
    Map<String, Long> served = new HashMap<>();
    TrackerApi.await(pool.query(SERVED).execute())
        .forEach(row -> served.put(row.getUUID("peer_id").toString(), row.getLong("served")));
    return served;
  }
}
