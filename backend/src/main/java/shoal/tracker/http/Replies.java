package shoal.tracker.http;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.function.Function;

/** Ends a request with the outcome of a registry call: its JSON, or the failure handler. */
final class Replies {

  private Replies() {}

  static <T> void json(RoutingContext ctx, int status, Future<T> outcome, Function<T, Object> toJson) {
    outcome.onComplete(
        result -> ctx.response()
            .setStatusCode(status)
            .putHeader("Content-Type", "application/json")
            .end(Json.encode(toJson.apply(result))),
        ctx::fail);
  }

  /** 200 with the JSON that {@code toJson} writes itself, for the responses that are sent most. */
  static <T> void bytes(RoutingContext ctx, Future<T> outcome, Function<T, Buffer> toJson) {
    outcome.onComplete(
        result -> ctx.response().putHeader("Content-Type", "application/json").end(toJson.apply(result)),
        ctx::fail);
  }

  static <T> void jsonArray(RoutingContext ctx, Future<List<T>> outcome, Function<T, Object> toJson) {
    json(ctx, 200, outcome, items -> new JsonArray(items.stream().map(toJson).toList()));
  }

  /** 200 with {@code {"ok": true}}. */
  static void ok(RoutingContext ctx, Future<?> outcome) {
    json(ctx, 200, outcome, result -> new JsonObject().put("ok", true));
  }

  static void empty(RoutingContext ctx, int status, Future<?> outcome) {
    outcome.onComplete(result -> ctx.response().setStatusCode(status).end(), ctx::fail);
  }
}
