package shoal.common.http;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;

/**
 * Serves a service's OpenAPI document at {@code /api/v1/openapi.json}: a hand-written JSON file
 * packed in the jar, read once at start, so that tools and client generators read the API from
 * the server that serves it.
 */
public final class ApiDocument implements Handler<RoutingContext> {

  private final Buffer json;

  private ApiDocument(Buffer json) {
    this.json = json;
  }

  /** Reads {@code resource} from the classpath, such as {@code openapi/tracker.json}. */
  public static Future<ApiDocument> load(Vertx vertx, String resource) {
    return vertx.fileSystem().readFile(resource).map(ApiDocument::new);
  }

  @Override
  public void handle(RoutingContext ctx) {
    ctx.response().putHeader("Content-Type", "application/json").end(json);
  }
}
