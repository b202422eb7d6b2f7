package shoal.tracker.registry;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;

/** The network at a glance, as {@code GET /api/v1/stats} and the dashboard's counters show it. */
public record RegistryStats(
    long peers, long files, long holdings, long activeTransfers, long completedTransfers, long bytesTransferred) {

  public static Future<RegistryStats> read(Pool pool) {
    return pool.query(RegistryQueries.STATS).execute().map(rows -> {
      Row row = rows.iterator().next();
      return new RegistryStats(
          row.getLong("peers"),
          row.getLong("files"),
          row.getLong("holdings"),
          row.getLong("active_transfers"),
          row.getLong("completed_transfers"),
          row.getLong("bytes_transferred"));
    });
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("peers", peers)
        .put("files", files)
        .put("holdings", holdings)
        .put("activeTransfers", activeTransfers)
        .put("completedTransfers", completedTransfers)
        .put("bytesTransferred", bytesTransferred);
  }
}
