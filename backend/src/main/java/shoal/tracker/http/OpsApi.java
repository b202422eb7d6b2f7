package shoal.tracker.http;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import java.util.concurrent.TimeUnit;
import shoal.tracker.registry.ReadModel;
import shoal.tracker.registry.RegistryStats;

/** What operators and monitoring ask: the network's counters and whether the tracker is healthy. */
final class OpsApi {

  private final Pool pool;
  private final ReadModel readModel;

  OpsApi(Pool pool, ReadModel readModel) {
    this.pool = pool;
    this.readModel = readModel;
  }

  void stats(RoutingContext ctx) {
    Replies.json(ctx, 200, RegistryStats.read(pool), RegistryStats::toJson);
  }

  /**
   * 200 while PostgreSQL answers, 503 while it does not; never an error page. {@code readModel}
   * says whether lookups and searches are answered from memory ({@code current}) or, while it
   * loads, from PostgreSQL ({@code loading}).
   */
  void health(RoutingContext ctx) {
    pool.query("SELECT 1").execute()
        .timeout(3, TimeUnit.SECONDS)
        .onComplete(
            ok -> send(ctx, 200, "UP", null),
            failure -> send(ctx, 503, "DOWN", failure.getMessage()));
  }

  private void send(RoutingContext ctx, int status, String state, String error) {
    JsonObject body = new JsonObject().put("status", state).put("database", state)
        .put("readModel", readModel.current() ? "current" : "loading");
    if (error != null) {
      body.put("error", "unavailable").put("message", "PostgreSQL does not answer: " + error);
    }
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }
}
