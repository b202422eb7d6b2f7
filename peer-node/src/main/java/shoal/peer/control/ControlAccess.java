package shoal.peer.control;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Set;
import shoal.common.http.ApiError;
import shoal.common.http.BearerToken;

/**
 * Who may use the control port: a request without the token ({@code Authorization: Bearer} or
 * {@code ?token=}) is 401; one whose {@code Origin} is not the control page's own is 403, so a web
 * page on another site cannot drive the node through the user's browser even if it guessed the
 * token. Requests without an {@code Origin} (curl, scripts) are not from a browser page and pass.
 * A request whose {@code Host} is not this port's loopback name or address is 403 as well: that is
 * how a page whose domain was re-pointed at 127.0.0.1 (DNS rebinding) shows, since its requests
 * are then same-origin for the browser and carry no foreign {@code Origin}.
 */
final class ControlAccess implements Handler<RoutingContext> {

  private static final Set<String> LOOPBACK_NAMES = Set.of("127.0.0.1", "localhost", "[::1]");

  private final byte[] token;

  ControlAccess(String token) {
    this.token = token.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    MultiMap params;
    try {
      params = request.params();
    } catch (IllegalArgumentException malformed) {
      // The client's mistake (400), not a server fault to log with a message quoting the query.
      throw ApiError.invalidRequest("The query string is malformed.");
    }
    check(request.headers(), params, request.localAddress().port());
    ctx.next();
  }

  /** The same checks for a WebSocket upgrade; answers the status to reject with, or 0 to accept. */
  int rejection(ServerWebSocketHandshake handshake) {
    try {
      check(handshake.headers(), queryParams(handshake.query()), handshake.localAddress().port());
      return 0;
    } catch (ApiError e) {
      return e.status();
    } catch (IllegalArgumentException malformedQuery) {
      return 400;
    }
  }

  private void check(MultiMap headers, MultiMap params, int controlPort) {
    String host = headers.get(HttpHeaders.HOST);
    if (host == null || !isOwnHost(host, controlPort)) {
      throw ApiError.forbidden("The control port only answers requests addressed to 127.0.0.1, localhost or [::1]"
          + " on port " + controlPort + "; other host names are refused to stop DNS rebinding.");
    }
    String origin = headers.get(HttpHeaders.ORIGIN);
    if (origin != null && !isOwnOrigin(origin, controlPort)) {
      throw ApiError.forbidden("The control port only answers its own page, not " + origin + ".");
    }
    String presented = BearerToken.from(headers.get(HttpHeaders.AUTHORIZATION));
    if (presented == null) {
      presented = params.get("token");
    }
    if (presented == null || !MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), token)) {
      throw ApiError.unauthorized("The control port needs its token: Authorization: Bearer <token> or ?token=<token>.");
    }
  }

  private static boolean isOwnHost(String host, int controlPort) {
    String suffix = ":" + controlPort;
    String lower = host.trim().toLowerCase(Locale.ROOT);
    return lower.endsWith(suffix) && LOOPBACK_NAMES.contains(lower.substring(0, lower.length() - suffix.length()));
  }

  private static boolean isOwnOrigin(String origin, int controlPort) {
    try {
      URI uri = new URI(origin);
      String host = uri.getHost();
      return "http".equals(uri.getScheme()) && uri.getPort() == controlPort && host != null
          && LOOPBACK_NAMES.contains(host.toLowerCase());
    } catch (Exception e) {
      return false;
    }
  }

  private static MultiMap queryParams(String query) {
    MultiMap params = MultiMap.caseInsensitiveMultiMap();
    new QueryStringDecoder(query == null ? "" : query, false).parameters().forEach(params::add);
    return params;
  }
}
