package shoal.common.http;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Keeps clients that connect and then dawdle from holding a server's connections. It
 * <ul>
 *   <li>caps the connections open at once: one beyond the cap is closed as soon as it opens;
 *   <li>closes a connection that has not delivered a complete request head within the timeout of
 *       opening, or of its previous response ending. Vert.x's idle timeout alone misses a client
 *       that drips a header byte a second (slowloris): bytes keep arriving, so it never goes idle;
 *   <li>cuts off a request whose body has not fully arrived within the timeout of its head: 408 in
 *       the contract's error shape when no response has started, then the connection is closed;
 *   <li>sets Vert.x's idle timeout ({@link #applyTo}) for connections on which nothing moves.
 * </ul>
 *
 * <p>One guard per server verticle instance, used only on that verticle's context (where Vert.x
 * runs the connection, request and handshake handlers of a server it created), so its state is
 * plain fields: no locks. Only the {@link ConnectionCap} is shared by a server's instances.
 *
 * <p>Wiring: {@code guard.install(vertx.createHttpServer(guard.applyTo(options)))}, the guard as the
 * router's first route ({@code router.route().handler(guard)}), and {@link #handshakes} and
 * {@link #webSockets} around the server's WebSocket handlers if it has them. {@link #close()} from {@code stop()}.
 */
public final class ConnectionGuard implements Handler<RoutingContext> {

  private final Vertx vertx;
  private final long timeoutMillis;
  private final ConnectionCap cap;
  /**
   * Every open connection by its remote address (the one key a WebSocket handshake shares with
   * its connection), with the timer of its head deadline.
   */
  private final Map<String, Tracked> open = new HashMap<>();

  /** An open connection and the timer of its head deadline; {@link #NO_TIMER} while a request is in flight. */
  private static final class Tracked {
    final HttpConnection connection;
    long deadline = NO_TIMER;

    Tracked(HttpConnection connection) {
      this.connection = connection;
    }
  }

  private static final long NO_TIMER = -1;

  /**
   * @param timeout how long a connection may take to send a request head or body, and how long it
   *     may stay idle
   * @param cap the connections the server keeps open at once, shared by all its instances
   */
  public ConnectionGuard(Vertx vertx, Duration timeout, ConnectionCap cap) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("the timeout must be longer than 0");
    }
    this.vertx = vertx;
    this.timeoutMillis = timeout.toMillis();
    this.cap = cap;
  }

  /**
   * Sets the idle timeout, and turns h2c off: with h2c on, Vert.x waits for the first bytes to tell
   * HTTP/1.1 from HTTP/2 before it reports the connection, so a silent socket would escape the cap
   * and the head deadline. Peers and browsers speak HTTP/1.1 to these servers.
   */
  public HttpServerOptions applyTo(HttpServerOptions options) {
    return options.setIdleTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMillis))
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
        .setHttp2ClearTextEnabled(false);
  }

  /** Counts the server's connections, refuses those beyond the cap and starts their head deadline. */
  public HttpServer install(HttpServer server) {
    return server.connectionHandler(this::opened);
  }

  /**
   * Wraps a WebSocket handshake handler: a handshake is a complete request head. A refused one
   * leaves an HTTP connection that must send its next head in time like any other.
   */
  public Handler<ServerWebSocketHandshake> handshakes(Handler<ServerWebSocketHandshake> next) {
    return handshake -> {
      Tracked tracked = open.get(handshake.remoteAddress().toString());
      if (tracked != null) {
        awaitHead(tracked);
      }
      next.handle(handshake);
    };
  }

  /** Wraps a WebSocket handler: an accepted WebSocket is no longer HTTP; the idle timeout alone watches it. */
  public Handler<ServerWebSocket> webSockets(Handler<ServerWebSocket> next) {
    return socket -> {
      Tracked tracked = open.get(socket.remoteAddress().toString());
      if (tracked != null) {
        cancelDeadline(tracked);
      }
      next.handle(socket);
    };
  }

  /** Connections open now. */
  public int openConnections() {
    return open.size();
  }

  /** Cancels every timer; the server closes the connections themselves. */
  public void close() {
    open.values().forEach(this::cancelDeadline);
    open.clear();
  }

  /** The router's first route: a request head has arrived; its body must follow within the timeout. */
  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    Tracked tracked = open.get(request.connection().remoteAddress().toString());
    if (tracked != null) {
      cancelDeadline(tracked);
      // A WebSocket is no longer HTTP: the idle timeout alone watches it. (Other upgrades, such as the
      // h2c a Java client asks for, are declined and the connection stays HTTP/1.1.)
      if (!"websocket".equalsIgnoreCase(request.getHeader(HttpHeaders.UPGRADE))) {
        ctx.addEndHandler(ended -> awaitHead(tracked));
      }
    }
    if (!request.isEnded()) {
      long bodyDeadline = vertx.setTimer(timeoutMillis, id -> cutOffBody(ctx));
      request.end().onComplete(done -> vertx.cancelTimer(bodyDeadline));
      ctx.addEndHandler(ended -> vertx.cancelTimer(bodyDeadline));
    }
    ctx.next();
  }

  private void opened(HttpConnection connection) {
    if (!cap.tryOpen()) {
      connection.close();
      return;
    }
    String key = connection.remoteAddress().toString();
    Tracked tracked = new Tracked(connection);
    open.put(key, tracked);
    connection.closeHandler(closed -> {
      cancelDeadline(tracked);
      open.remove(key, tracked);
      cap.closed();
    });
    awaitHead(tracked);
  }

  private void awaitHead(Tracked tracked) {
    cancelDeadline(tracked);
    if (open.get(tracked.connection.remoteAddress().toString()) != tracked) {
      return;
    }
    tracked.deadline = vertx.setTimer(timeoutMillis, id -> {
      tracked.deadline = NO_TIMER;
      tracked.connection.close();
    });
  }

  /** Marks a request in flight: no head is awaited until its response ends. */
  private void cancelDeadline(Tracked tracked) {
    if (tracked.deadline != NO_TIMER) {
      vertx.cancelTimer(tracked.deadline);
      tracked.deadline = NO_TIMER;
    }
  }

  private void cutOffBody(RoutingContext ctx) {
    HttpConnection connection = ctx.request().connection();
    if (ctx.response().headWritten() || ctx.response().ended()) {
      connection.close();
      return;
    }
    ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
    ErrorResponder.send(ctx.response(), new ApiError(408, "request_timeout",
            "The request body did not arrive within " + timeoutMillis + " ms; the connection is closed."))
        .onComplete(sent -> connection.close());
  }
}
