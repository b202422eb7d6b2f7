package shoal.tracker.access;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import shoal.common.http.ApiError;

/**
 * Lets through only bodies declared as {@code application/json} (with any parameters, such as a
 * charset), else 415 {@code unsupported_media_type}. It runs before the body is read, for two
 * reasons:
 * <ul>
 *   <li>a web page may send {@code text/plain}, form or multipart bodies to any site without asking
 *       first; a JSON body from another origin needs the browser's CORS preflight, which this
 *       tracker refuses. Parsing a {@code text/plain} POST as JSON turned every open page into a
 *       way to register peers (CSRF);
 *   <li>Vert.x's body handler decodes form and multipart bodies itself, and fails with a 500 on
 *       a method that may not carry a form, such as GET.
 * </ul>
 * One rule for every method: a {@code Content-Type}, when given, must be JSON, and a body must come
 * with one. A request with neither passes (heartbeats, completions, GET, DELETE): there is nothing
 * to misread. A JSON body on a method that takes none is read and ignored.
 */
public final class JsonBodies implements Handler<RoutingContext> {

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String contentType = request.getHeader(HttpHeaders.CONTENT_TYPE);
    boolean takesBody = request.method() == HttpMethod.POST || request.method() == HttpMethod.PUT;
    if ((contentType == null && !hasBody(request)) || isJson(contentType)) {
      ctx.next();
      return;
    }
    String declared = contentType == null ? "no Content-Type" : "Content-Type " + mediaType(contentType);
    ctx.fail(new ApiError(415, "unsupported_media_type", takesBody
        ? "The body must be JSON, sent with Content-Type: application/json; this request has " + declared + "."
        : request.method() + " takes no body; send none, or JSON with Content-Type: application/json (this request has "
            + declared + ")."));
  }

  /** As HTTP/1.1 tells: a body comes with a non-zero Content-Length or with Transfer-Encoding. */
  private static boolean hasBody(HttpServerRequest request) {
    if (request.headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
      return true;
    }
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    return length != null && !length.trim().equals("0");
  }

  static boolean isJson(String contentType) {
    return contentType != null && mediaType(contentType).equals("application/json");
  }

  private static String mediaType(String contentType) {
    int semicolon = contentType.indexOf(';');
    String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    // Quoted back in the message: keep it short and printable.
    return type.length() > 100 || !type.chars().allMatch(c -> c > 32 && c < 127) ? "(unreadable)" : type;
  }
}
