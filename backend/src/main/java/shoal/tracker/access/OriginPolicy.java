package shoal.tracker.access;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.CorsHandler;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import shoal.common.http.JoinKeyHeader;
import shoal.common.http.ApiError;

/**
 * Decides what web pages may do with the tracker, by the {@code Origin} browsers put on
 * cross-origin requests, WebSocket handshakes and most POSTs:
 * <ul>
 *   <li>no {@code Origin} (peers, scripts, same-origin page loads) or the tracker's own (its
 *       dashboard): served, with no CORS headers, which same-origin pages do not need;
 *   <li>an origin given with {@code --allowed-origin}: served with CORS headers for that origin
 *       only, preflights answered;
 *   <li>any other: 403 {@code forbidden}, before any route runs. That includes the SockJS bridge,
 *       whose transports would otherwise echo any {@code Origin} back as allowed, with credentials.
 * </ul>
 * The tracker's own origin is the one its page was loaded from, told by the request's
 * {@code Host}: the tracker cannot know every name it is reached by.
 */
public final class OriginPolicy implements Handler<RoutingContext> {

  private final Set<String> allowed;
  private final CorsHandler cors;

  public OriginPolicy(List<String> allowedOrigins) {
    this.allowed = Set.copyOf(allowedOrigins);
    // Only built for a non-empty list: a CorsHandler without origins allows every one ("*").
    this.cors = allowed.isEmpty() ? null : CorsHandler.create()
        .addOrigins(List.copyOf(allowed))
        .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.DELETE))
        .allowedHeaders(Set.of("Content-Type", "Authorization", JoinKeyHeader.NAME));
  }

  @Override
  public void handle(RoutingContext ctx) {
    String origin = ctx.request().getHeader(HttpHeaders.ORIGIN);
    if (origin == null || isOwn(origin, ctx.request().authority())) {
      ctx.next();
    } else if (cors != null && allowed.contains(origin.toLowerCase(Locale.ROOT))) {
      cors.handle(ctx);
    } else {
      ctx.fail(ApiError.forbidden("Web pages from " + printable(origin) + " may not use this tracker; its operator "
          + "may allow them with --allowed-origin."));
    }
  }

  /** Same host and port as the request was sent to, scheme aside (a TLS proxy may sit in front). */
  static boolean isOwn(String origin, HostAndPort authority) {
    if (authority == null) {
      return false;
    }
    try {
      URI uri = new URI(origin);
      String scheme = uri.getScheme();
      if (uri.getHost() == null || !("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))) {
        return false;
      }
      int defaultPort = "https".equalsIgnoreCase(scheme) ? 443 : 80;
      int originPort = uri.getPort() == -1 ? defaultPort : uri.getPort();
      int hostPort = authority.port() == -1 ? defaultPort : authority.port();
      return bare(uri.getHost()).equalsIgnoreCase(bare(authority.host())) && originPort == hostPort;
    } catch (Exception e) {
      return false;
    }
  }

  private static String bare(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  private static String printable(String origin) {
    return origin.length() <= 200 && origin.chars().allMatch(c -> c >= 32 && c < 127) ? origin : "that origin";
  }
}
