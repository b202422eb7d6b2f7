package shoal.tracker.http;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.util.regex.Pattern;

/**
 * Says {@code Connection: close} on the answers of the bridge's receiving HTTP transports (XHR
 * polling and streaming, EventSource, htmlfile, JSONP). SockJS closes their connection once it has
 * answered, without saying so; a client or a proxy such as nginx that put the connection back in
 * its pool would send its next request on it and see that request fail. Told, they open a new one.
 */
final class ClosingTransports implements Handler<RoutingContext> {

  private static final Pattern RECEIVING = Pattern.compile("/eventbus/[^/]+/[^/]+/(xhr|xhr_streaming|eventsource|htmlfile|jsonp)");

  @Override
  public void handle(RoutingContext ctx) {
    if (RECEIVING.matcher(ctx.normalizedPath()).matches()) {
      ctx.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    }
    ctx.next();
  }
}
