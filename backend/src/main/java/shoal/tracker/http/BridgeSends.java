package shoal.tracker.http;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.RoutingContext;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import shoal.common.http.ApiError;

/**
 * Checks the frames a browser posts to the bridge's HTTP transports ({@code …/xhr_send},
 * {@code …/jsonp_send}) before SockJS reads them. SockJS answers an empty or malformed post with
 * 500, as its protocol has it; the tracker answers bad input with 400 in its error shape, so such
 * posts stop here. A well-formed post is a JSON array of strings: raw for XHR, and for JSONP either
 * raw as {@code text/plain} or as the form field {@code d}.
 */
final class BridgeSends implements Handler<RoutingContext> {

  private static final String FORM = "application/x-www-form-urlencoded";

  @Override
  public void handle(RoutingContext ctx) {
    String path = ctx.normalizedPath();
    if (path.endsWith("/xhr_send")) {
      check(ctx, ctx.body().asString());
    } else if (path.endsWith("/jsonp_send")) {
      // Compared whole, as SockJS does: it takes no parameters after the type.
      String type = String.valueOf(ctx.request().getHeader(HttpHeaders.CONTENT_TYPE)).toLowerCase(Locale.ROOT);
      if (FORM.equals(type)) {
        String body = ctx.body().asString();
        check(ctx, body != null && body.startsWith("d=") ? formField(body.substring(2)) : null);
      } else if ("text/plain".equals(type)) {
        check(ctx, ctx.body().asString());
      } else {
        ctx.fail(new ApiError(415, "unsupported_media_type",
            "Frames sent over JSONP come as " + FORM + " (a field d) or as text/plain, with no parameters."));
      }
    } else {
      ctx.next();
    }
  }

  private static void check(RoutingContext ctx, String frames) {
    if (isFrameArray(frames)) {
      ctx.next();
    } else {
      ctx.fail(ApiError.invalidRequest("The bridge takes frames as a JSON array of strings."));
    }
  }

  /** The decoded value of a form field, or null when it is not properly encoded. */
  private static String formField(String encoded) {
    try {
      return URLDecoder.decode(encoded, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  static boolean isFrameArray(String frames) {
    if (frames == null || frames.isBlank()) {
      return false;
    }
    try {
      return new JsonArray(frames).stream().allMatch(String.class::isInstance);
    } catch (DecodeException | IllegalArgumentException e) {
      return false;
    }
  }
}
