package shoal.peer.control;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import java.time.Duration;
import shoal.common.http.ApiDocument;
import shoal.common.http.ApiError;
import shoal.common.http.ConnectionCap;
import shoal.common.http.ConnectionGuard;
import shoal.common.http.ErrorResponder;

/**
 * The control port: the REST API and the {@code /control} WebSocket through which the user (or
 * the control page) drives this node. Bound to 127.0.0.1 only, whatever {@code --host} says: it
 * can start downloads and make the node leave, so only this machine may reach it.
 */
public final class ControlVerticle extends VerticleBase {

  public static final String LOOPBACK = "127.0.0.1";
  private static final long MAX_BODY_BYTES = 64 * 1024;
  /**
   * Only this machine's user reaches the control port: a control page or two, their WebSockets and
   * a script. 64 is plenty for them, and keeps a runaway local client (or a hostile page opening
   * sockets through the browser) from using up the node's file descriptors.
   */
  static final int MAX_CONNECTIONS = 64;
  private static final String CONTROL_SOCKET = "/control";
  private static final String DOWNLOAD_BODY = "The body must be a JSON object {\"sha256\"} or {\"name\"}, with \"wait\": true to wait for a holder.";
  /** The control page's files, built from webui/ and packed into the jar. */
  private static final String PAGE = "webroot/peer";
  /** The OpenAPI 3.1 document of the control API, written by hand beside the code it describes. */
  private static final String API_DOCUMENT = "openapi/peer-control.json";

  private final ControlService service;
  private final ControlAccess access;
  private final int port;
  private final Duration idleTimeout;
  private HttpServer server;
  private ConnectionGuard guard;

  /**
   * @param idleTimeout how long a request head or body may take, and a connection stay idle
   */
  public ControlVerticle(ControlService service, String token, int port, Duration idleTimeout) {
    this.service = service;
    this.access = new ControlAccess(token);
    this.port = port;
    this.idleTimeout = idleTimeout;
  }

  @Override
  public Future<?> start() {
    guard = new ConnectionGuard(vertx, idleTimeout, new ConnectionCap(MAX_CONNECTIONS));
    server = guard.install(vertx.createHttpServer(guard.applyTo(new HttpServerOptions())))
        .webSocketHandshakeHandler(guard.handshakes(this::checkHandshake))
        .webSocketHandler(guard.webSockets(socket -> ControlSocket.serve(vertx, socket, service, idleTimeout)));
    return ApiDocument.load(vertx, API_DOCUMENT)
        .compose(document -> server.requestHandler(router(document)).listen(port, LOOPBACK));
  }

  @Override
  public Future<?> stop() {
    guard.close();
    return Future.succeededFuture();
  }

  public int actualPort() {
    return server.actualPort();
  }

  private Router router(ApiDocument document) {
    Router router = Router.router(vertx);
    router.route().handler(guard);
    // The page's script and styles are the same for everyone and hold no data: a browser fetches
    // them without the token, so they are the only thing served before the token check.
    router.getWithRegex("/app\\.(js|css)(\\.map)?").handler(StaticHandler.create(PAGE));
    router.route().handler(access);
    router.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));

    router.get("/").handler(this::sendPage).failureHandler(this::explainRefusedPage);
    router.get("/api/v1/status").handler(this::getStatus);
    router.get("/api/v1/files").handler(this::listFiles);
    router.get("/api/v1/search").handler(this::search);
    router.post("/api/v1/downloads").handler(this::startDownload);
    router.get("/api/v1/downloads").handler(this::listDownloads);
    router.get("/api/v1/downloads/:downloadId").handler(this::getDownload);
    router.delete("/api/v1/downloads/:downloadId").handler(this::cancelDownload);
    router.post("/api/v1/leave").handler(this::leave);
    router.get("/api/v1/openapi.json").handler(document);

    router.route().failureHandler(new ErrorResponder(e -> false));
    router.errorHandler(404, ctx -> ErrorResponder.send(ctx.response(),
        ApiError.notFound("not_found", "There is nothing at " + ctx.normalizedPath() + ".")));
    router.errorHandler(405, ctx -> ErrorResponder.send(ctx.response(),
        new ApiError(405, "method_not_allowed", ctx.request().method() + " is not allowed on " + ctx.normalizedPath() + ".")));
    return router;
  }

  private void checkHandshake(ServerWebSocketHandshake handshake) {
    if (!CONTROL_SOCKET.equals(handshake.path())) {
      handshake.reject(404);
      return;
    }
    int rejection = access.rejection(handshake);
    if (rejection == 0) {
      handshake.accept();
    } else {
      handshake.reject(rejection);
    }
  }

  private void sendPage(RoutingContext ctx) {
    ctx.response().putHeader("Content-Type", "text/html; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .sendFile(PAGE + "/index.html");
  }

  /**
   * A browser opening the page without the right token (or from another site) gets one plain
   * sentence, not a JSON error; API calls keep the JSON error shape.
   */
  private void explainRefusedPage(RoutingContext ctx) {
    if (!(ctx.failure() instanceof ApiError refused) || refused.status() >= 500) {
      ctx.next();
      return;
    }
    String sentence = refused.status() == 401
        ? "This is the control page of a Shoal peer. Open it with the address the peer printed when it started: it ends with ?token=…"
        : "This control page only opens from the peer's own address on this machine.";
    ctx.response()
        .setStatusCode(refused.status())
        .putHeader("Content-Type", "text/html; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .end("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Shoal peer</title>"
            + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"></head>"
            + "<body style=\"font-family: system-ui, sans-serif; margin: 2rem\"><p id=\"refused\">" + sentence + "</p></body></html>");
  }

  private void getStatus(RoutingContext ctx) {
    service.status().onSuccess(ctx::json).onFailure(ctx::fail);
  }

  private void listFiles(RoutingContext ctx) {
    ctx.json(service.files());
  }

  private void search(RoutingContext ctx) {
    int limit = intParam(ctx, "limit", 100);
    int offset = intParam(ctx, "offset", 0);
    service.search(ctx.queryParams().get("q"), limit, offset).onSuccess(ctx::json).onFailure(ctx::fail);
  }

  private void startDownload(RoutingContext ctx) {
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
    } catch (RuntimeException e) {
      throw ApiError.invalidRequest(DOWNLOAD_BODY);
    }
    if (body == null) {
      throw ApiError.invalidRequest(DOWNLOAD_BODY);
    }
    service.startDownload(body)
        .onSuccess(started -> ctx.response().setStatusCode(202)
            .putHeader("Content-Type", "application/json").end(started.encode()))
        .onFailure(ctx::fail);
  }

  private void listDownloads(RoutingContext ctx) {
    service.listDownloads().onSuccess(ctx::json).onFailure(ctx::fail);
  }

  private void getDownload(RoutingContext ctx) {
    service.download(ctx.pathParam("downloadId")).onSuccess(ctx::json).onFailure(ctx::fail);
  }

  private void cancelDownload(RoutingContext ctx) {
    service.cancel(ctx.pathParam("downloadId")).onSuccess(ctx::json).onFailure(ctx::fail);
  }

  private void leave(RoutingContext ctx) {
    service.leave().onSuccess(ctx::json).onFailure(ctx::fail);
  }

  private static int intParam(RoutingContext ctx, String name, int fallback) {
    String value = ctx.queryParams().get(name);
    try {
      return value == null ? fallback : Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw ApiError.invalidRequest("'" + name + "' must be a whole number.");
    }
  }
}
