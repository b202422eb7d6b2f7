package shoal.tracker.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.sqlclient.Pool;
import java.util.concurrent.TimeUnit;
import shoal.common.http.ApiDocument;
import shoal.common.http.ApiError;
import shoal.common.http.ConnectionCap;
import shoal.common.http.ConnectionGuard;
import shoal.common.http.ErrorResponder;
import shoal.tracker.TrackerConfig;
import shoal.tracker.access.JoinKeyGate;
import shoal.tracker.access.JsonBodies;
import shoal.tracker.access.OriginPolicy;
import shoal.tracker.access.RateLimits;
import shoal.tracker.db.DatabaseFailures;
import shoal.tracker.db.DatabaseTimeouts;
import shoal.tracker.db.DatabaseUrl;
import shoal.tracker.db.RegistryPool;
import shoal.tracker.events.RegistryEvents;
import shoal.tracker.metrics.TrackerMetrics;
import shoal.tracker.registry.FileCatalog;
import shoal.tracker.readmodel.EventBusCommits;
import shoal.tracker.registry.OwnCommits;
import shoal.tracker.registry.PartialHoldings;
import shoal.tracker.registry.PeerRegistry;
import shoal.tracker.registry.ReadModel;
import shoal.tracker.registry.TransferLedger;

/**
 * The tracker's HTTP face: the REST API, the dashboard and its event-bus bridge, health and metrics. Several
 * instances may run side by side.
 */
public final class TrackerVerticle extends VerticleBase {

  /** Large enough for {@value RequestReader#MAX_FILES_PER_REQUEST} files with long names. */
  static final long MAX_BODY_BYTES = 4L * 1024 * 1024;

  /**
   * Large enough for any frame a browser sends the bridge (registrations, pings), which SockJS's
   * HTTP transports post.
   */
  static final long MAX_EVENT_BUS_FRAME_BYTES = 64 * 1024;

  /** The dashboard's files, built from webui/ and packed into the jar. */
  private static final String DASHBOARD = "webroot/dashboard";
  /** The OpenAPI 3.1 document of the REST API, written by hand beside the code it describes. */
  private static final String API_DOCUMENT = "openapi/tracker.json";

  private final PrometheusMeterRegistry metrics;
  private final TrackerMetrics counters;
  private final ConnectionCap connections;
  private final RateLimits rateLimits;
  private final ReadModel readModel;
  private PeerApi peerApi;
  private PartialApi partialApi;
  private FileApi fileApi;
  private TransferApi transferApi;
  private OpsApi opsApi;
  private HttpServer server;
  private ConnectionGuard guard;
  private DatabaseTimeouts dbTimeouts;

  /**
   * @param connections the tracker's connection cap, shared by all its instances
   * @param rateLimits the tracker's rate limits, shared by all its instances
   * @param readModel the tracker's registry in memory, shared by all its instances
   * @param counters Shoal's own counters in {@code metrics}, shared by all its instances
   */
  public TrackerVerticle(PrometheusMeterRegistry metrics, ConnectionCap connections, RateLimits rateLimits,
      ReadModel readModel, TrackerMetrics counters) {
    this.metrics = metrics;
    this.counters = counters;
    this.connections = connections;
    this.rateLimits = rateLimits;
    this.readModel = readModel;
  }

  @Override
  public Future<?> start() {
    TrackerConfig config = TrackerConfig.fromJson(config());
    DatabaseUrl database = DatabaseUrl.parse(config.dbUrl());
    Pool pool = RegistryPool.create(vertx, database, config.dbTimeouts());
    Pool reads = RegistryPool.createForReads(vertx, database, config.dbTimeouts());
    RegistryEvents events = new RegistryEvents(pool);
    OwnCommits commits = new EventBusCommits(vertx);
    PeerRegistry peers = new PeerRegistry(pool, events, config.peerTtl(), commits, counters);
    PartialHoldings partials = new PartialHoldings(pool, events);
    peerApi = new PeerApi(peers, config.heartbeat(), config.peerTtl());
    partialApi = new PartialApi(peers, partials);
    fileApi = new FileApi(new FileCatalog(reads, readModel));
    transferApi = new TransferApi(new TransferLedger(pool, reads, peers, partials, events, readModel, commits, counters));
    opsApi = new OpsApi(pool, readModel);
    dbTimeouts = config.dbTimeouts();
    guard = new ConnectionGuard(vertx, config.idleTimeout(), connections);
    server = guard.install(vertx.createHttpServer(guard.applyTo(new HttpServerOptions().setCompressionSupported(true))));
    return ApiDocument.load(vertx, API_DOCUMENT)
        .compose(document -> server.requestHandler(router(config, document)).listen(config.port(), config.host()));
  }

  /** Stops accepting requests and gives those in flight a few seconds to finish. */
  @Override
  public Future<?> stop() {
    return server.shutdown(5, TimeUnit.SECONDS).onComplete(done -> guard.close());
  }

  /** The bound port, once started. */
  public int actualPort() {
    return server.actualPort();
  }

  private Router router(TrackerConfig config, ApiDocument document) {
    Router router = Router.router(vertx);
    router.route().handler(guard);
    router.route().handler(new OriginPolicy(config.access().allowedOrigins()));
    // Before the body is read: refusals here cost no buffering, and form bodies never reach the BodyHandler.
    router.route("/api/*").handler(new JsonBodies());
    router.post("/api/v1/peers").handler(rateLimits.registrations()).handler(JoinKeyGate.of(config.access().joinKey()));
    router.post("/api/v1/transfers").handler(rateLimits.transferStarts());
    router.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));

    router.post("/api/v1/peers").handler(peerApi::registerPeer);
    router.get("/api/v1/peers").handler(peerApi::listPeers);
    router.get("/api/v1/peers/:peerId").handler(peerApi::getPeer);
    router.delete("/api/v1/peers/:peerId").handler(peerApi::leave);
    router.put("/api/v1/peers/:peerId/files").handler(peerApi::replaceFiles);
    router.post("/api/v1/peers/:peerId/files").handler(peerApi::addFiles);
    router.post("/api/v1/peers/:peerId/heartbeat").handler(peerApi::heartbeat);
    router.put("/api/v1/peers/:peerId/partials/:sha256").handler(partialApi::announcePartial);
    router.delete("/api/v1/peers/:peerId/partials/:sha256").handler(partialApi::withdrawPartial);
    router.get("/api/v1/partials").handler(partialApi::listPartials);

    router.get("/api/v1/files").handler(fileApi::searchFiles);
    router.get("/api/v1/files/:sha256").handler(fileApi::lookupFile);

    router.post("/api/v1/transfers").handler(transferApi::startTransfer);
    router.get("/api/v1/transfers").handler(transferApi::listTransfers);
    router.post("/api/v1/transfers/:transferId/progress").handler(transferApi::reportProgress);
    router.post("/api/v1/transfers/:transferId/complete").handler(transferApi::completeTransfer);
    router.post("/api/v1/transfers/:transferId/fail").handler(transferApi::failTransfer);

    router.get("/api/v1/stats").handler(opsApi::stats);
    router.get("/api/v1/openapi.json").handler(document);
    router.get("/health").handler(opsApi::health);
    router.get("/metrics").handler(PrometheusScrapingHandler.create(metrics));
    // SockJS's HTTP transports, the browser's fallback where no WebSocket passes (a proxy, a
    // firewall), post the page's frames; SockJS reads them only once a body handler has.
    router.post("/eventbus/*").handler(BodyHandler.create(false).setBodyLimit(MAX_EVENT_BUS_FRAME_BYTES))
        .handler(new BridgeSends());
    router.route("/eventbus/*").handler(new ClosingTransports());
    router.route("/eventbus/*").subRouter(eventBusBridge());
    router.route("/*").handler(StaticHandler.create(DASHBOARD));

    ErrorResponder errors = ErrorResponder.explaining(failure -> DatabaseFailures.toApiError(failure, dbTimeouts));
    router.route().failureHandler(this::countNotAvailable);
    router.route().failureHandler(errors);
    router.errorHandler(404, ctx -> ErrorResponder.send(ctx.response(),
        ApiError.notFound("not_found", "There is nothing at " + ctx.normalizedPath() + ".")));
    router.errorHandler(405, ctx -> ErrorResponder.send(ctx.response(),
        new ApiError(405, "method_not_allowed", ctx.request().method() + " is not allowed on " + ctx.normalizedPath() + ".")));
    return router;
  }

  /** Every {@code not_available} answer passes here on its way to the error responder, whichever route gave it. */
  private void countNotAvailable(RoutingContext ctx) {
    if (ctx.failure() instanceof ApiError error && "not_available".equals(error.code())) {
      counters.notAvailable();
    }
    ctx.next();
  }

  /** Browsers may listen to {@code shoal.events} and nothing else; they may send nothing at all. */
  private Router eventBusBridge() {
    return SockJSHandler.create(vertx).bridge(new SockJSBridgeOptions()
        .addOutboundPermitted(new PermittedOptions().setAddress(RegistryEvents.ADDRESS)));
  }
}
