package shoal.peer.serve;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.TrafficShapingOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;
import java.time.Duration;
import shoal.common.http.ApiError;
import shoal.common.http.ConnectionCap;
import shoal.common.http.ConnectionGuard;
import shoal.common.http.ErrorResponder;
import shoal.peer.metrics.PeerMetrics;
import shoal.peer.share.PartialShare;
import shoal.peer.share.PartialShares;
import shoal.peer.share.PieceHashes;
import shoal.peer.share.Sha256;
import shoal.peer.share.ShareIndex;
import shoal.peer.share.SharedFile;

/**
 * The files port other peers download from: {@code GET}/{@code HEAD /files/{sha256}} with ranges,
 * {@code /files/{sha256}/pieces} (the piece size and each piece's SHA-256, so a downloader can take
 * pieces from several holders and check each one), {@code /health} and {@code /metrics} (the node's
 * Prometheus series, here so that a Prometheus on another machine can scrape them without the
 * control token). A file is found by its hash
 * in the share index, or among the downloads under way ({@link PartialShares}), so no part of a
 * request ever becomes a path. Of a file still being downloaded only ranges within verified pieces
 * are served (anything else is 416), and its piece list says which pieces those are ({@code have}),
 * so downloaders in a crowd pass pieces on to each other before anyone has the whole file. Bodies go out with {@code sendFile} (zero-copy where the OS allows,
 * paced by the socket); {@code --upload-limit} is Netty's global traffic shaping over all
 * connections, and {@code --max-uploads} turns further requests away with 503.
 *
 * <p>Other peers are not trusted: connections beyond the cap, request heads or bodies slower than
 * {@code --idle-timeout} are cut off ({@link ConnectionGuard}), and so is an upload whose downloader
 * stops reading ({@link UploadWatchdog}), so nobody holds an upload slot for good.
 *
 * <p>Deployed as one instance, so every request runs on its one context: the upload slots and the
 * watchdog are used there only, and the share index is read through its published listing.
 */
public final class FilesVerticle extends VerticleBase {

  /** Seconds a refused downloader is told to wait. */
  private static final String RETRY_AFTER_SECONDS = "2";
  /** Seconds a downloader asking for pieces still being hashed is told to wait. */
  private static final String PIECES_RETRY_AFTER_SECONDS = "1";

  private final ShareIndex index;
  private final PartialShares partials;
  private final UploadSlots slots;
  private final String host;
  private final int port;
  private final long uploadLimit;
  private final Duration idleTimeout;
  private final int maxConnections;
  private final PeerMetrics metrics;
  private HttpServer server;
  private ConnectionGuard guard;
  private UploadWatchdog watchdog;

  /**
   * @param uploadLimit bytes per second for all uploads together; 0 for no limit
   * @param idleTimeout how long a request head or body may take, and an upload may stand still
   * @param maxConnections connections kept open at once
   * @param metrics counts what is uploaded and refused, and is served at {@code /metrics}
   */
  public FilesVerticle(ShareIndex index, PartialShares partials, UploadSlots slots, String host, int port,
      long uploadLimit, Duration idleTimeout, int maxConnections, PeerMetrics metrics) {
    this.index = index;
    this.partials = partials;
    this.slots = slots;
    this.host = host;
    this.port = port;
    this.uploadLimit = uploadLimit;
    this.idleTimeout = idleTimeout;
    this.maxConnections = maxConnections;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    guard = new ConnectionGuard(vertx, idleTimeout, new ConnectionCap(maxConnections));
    watchdog = new UploadWatchdog(vertx, idleTimeout);
    // No Vert.x idle timeout here: it would cut a slow zero-copy upload (see UploadWatchdog). Idle
    // connections between requests are closed by the guard's head deadline instead.
    HttpServerOptions options = guard.applyTo(new HttpServerOptions()).setIdleTimeout(0);
    if (uploadLimit > 0) {
      options.setTrafficShapingOptions(new TrafficShapingOptions()
          .setOutboundGlobalBandwidth(uploadLimit)
          .setPeakOutboundGlobalBandwidth(uploadLimit));
    }
    server = guard.install(vertx.createHttpServer(options));
    return server.requestHandler(router()).listen(port, host);
  }

  @Override
  public Future<?> stop() {
    watchdog.close();
    guard.close();
    return Future.succeededFuture();
  }

  public int actualPort() {
    return server.actualPort();
  }

  private Router router() {
    Router router = Router.router(vertx);
    router.route().handler(guard);
    router.get("/files/:sha256").handler(this::sendFile);
    router.head("/files/:sha256").handler(this::sendFile);
    router.get("/files/:sha256/pieces").handler(this::sendPieces);
    router.head("/files/:sha256/pieces").handler(this::sendPieces);
    router.get("/health").handler(this::reportHealth);
    router.get("/metrics").handler(this::sendMetrics);

    router.route().failureHandler(new ErrorResponder(e -> false));
    router.errorHandler(404, ctx -> ErrorResponder.send(ctx.response(),
        ApiError.notFound("not_found", "There is nothing at this path.")));
    router.errorHandler(405, ctx -> ErrorResponder.send(ctx.response(),
        new ApiError(405, "method_not_allowed", "The files port only answers GET and HEAD.")));
    return router;
  }

  /** A file the port serves: shared whole, or in part while it downloads ({@code partial} set). */
  private record Served(String sha256, long size, String path, PartialShare partial) {}

  /** The file the path names by its hash; 400 for anything but a hash, 404 when this peer has none of it. */
  private Served servedFile(RoutingContext ctx) {
    String sha256 = ctx.pathParam("sha256");
    if (!Sha256.isValid(sha256)) {
      throw ApiError.invalidRequest("A file is asked for by its SHA-256: 64 lowercase hexadecimal characters.");
    }
    Optional<SharedFile> whole = index.find(sha256);
    if (whole.isPresent()) {
      return new Served(sha256, whole.get().size(), whole.get().path().toString(), null);
    }
    return partials.find(sha256)
        .map(partial -> new Served(sha256, partial.size(), partial.path().toString(), partial))
        .orElseThrow(() -> ApiError.notFound("not_shared", "This peer does not share a file with that SHA-256."));
  }

  /**
   * {@code {"sha256","size","pieceSize","pieces":[hex…]}}, with {@code "have"}, the bitfield of the
   * verified pieces, for a file still being downloaded. Takes no upload slot: it is at most a few
   * tens of kilobytes for any file below 64 GiB, answered from memory.
   */
  private void sendPieces(RoutingContext ctx) {
    Served file = servedFile(ctx);
    HttpServerResponse response = ctx.response();
    Optional<PieceHashes> known = file.partial() != null ? Optional.of(file.partial().pieces())
        : index.find(file.sha256()).flatMap(index::pieces);
    if (known.isEmpty()) {
      response.putHeader("Retry-After", PIECES_RETRY_AFTER_SECONDS);
      ErrorResponder.send(response, new ApiError(503, "hashing",
          "This peer is still hashing the pieces of that file; try again in a second."));
      return;
    }
    PieceHashes pieces = known.get();
    JsonObject list = new JsonObject()
        .put("sha256", file.sha256())
        .put("size", file.size())
        .put("pieceSize", pieces.layout().pieceSize())
        .put("pieces", new JsonArray(pieces.hex()));
    if (file.partial() != null) {
      list.put("have", file.partial().bitfield());
    }
    Buffer body = list.toBuffer();
    response.putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(body.length()));
    if (ctx.request().method() == HttpMethod.HEAD) {
      response.end();
    } else {
      response.end(body);
    }
  }

  private void sendFile(RoutingContext ctx) {
    Served file = servedFile(ctx);
    String sha256 = file.sha256();
    HttpServerResponse response = ctx.response();
    String etag = "\"" + sha256 + "\"";
    response.putHeader(HttpHeaders.ETAG, etag)
        .putHeader(HttpHeaders.ACCEPT_RANGES, "bytes")
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/octet-stream");

    Optional<ByteRange> range;
    try {
      range = honoursRange(ctx, etag) ? ByteRange.parse(ctx.request().getHeader("Range"), file.size())
          : Optional.empty();
    } catch (ByteRange.Unsatisfiable e) {
      response.putHeader(HttpHeaders.CONTENT_RANGE, "bytes */" + file.size());
      throw new ApiError(416, "range_not_satisfiable",
          "The range asked for is malformed or outside the file's " + file.size() + " bytes.");
    }
    if (file.partial() != null && !range.map(r -> file.partial().holds(r.start(), r.end()))
        .orElseGet(() -> file.partial().holds(0, file.size() - 1))) {
      response.putHeader(HttpHeaders.CONTENT_RANGE, "bytes */" + file.size());
      throw new ApiError(416, "range_not_satisfiable", "This peer is still downloading that file and serves only "
          + "ranges within the pieces it has verified, which its piece list names.");
    }
    long offset = range.map(ByteRange::start).orElse(0L);
    long length = range.map(ByteRange::length).orElse(file.size());
    range.ifPresent(r -> response.setStatusCode(206)
        .putHeader(HttpHeaders.CONTENT_RANGE, "bytes " + r.start() + "-" + r.end() + "/" + file.size()));

    if (ctx.request().method() == HttpMethod.HEAD) {
      response.putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(length)).end();
      return;
    }
    if (!slots.tryAcquire()) {
      // Answered here rather than thrown: a busy peer is routine, not a server fault worth an error log.
      metrics.uploadRefused();
      response.putHeader("Retry-After", RETRY_AFTER_SECONDS);
      ErrorResponder.send(response, new ApiError(503, "busy", "This peer is serving as many uploads as it allows; try again shortly."));
      return;
    }
    // Every signal, since a connection closed mid-file (a downloader that stopped a piece another
    // holder sent first, say) fails the send without always ending the response, or, with the
    // upload limit's traffic shaping, without completing the send at all; and the watchdog's,
    // should the connection close with none of them. A slot missed here would be lost for good.
    // A plain flag suffices as all arrive on this verticle's context.
    boolean[] released = {false};
    Runnable[] unwatch = {() -> { }};
    Handler<Object> release = ended -> {
      if (!released[0]) {
        released[0] = true;
        unwatch[0].run();
        slots.release();
      }
    };
    unwatch[0] = watchdog.watch(ctx.request().connection(), () -> release.handle(null));
    ctx.addEndHandler(release::handle);
    response.closeHandler(release::handle);
    response.sendFile(file.path(), offset, length)
        .onSuccess(sent -> metrics.uploaded(length))
        .onComplete(release::handle);
  }

  /** The Prometheus text format, version 0.0.4, which every Prometheus reads. */
  private void sendMetrics(RoutingContext ctx) {
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape());
  }

  private void reportHealth(RoutingContext ctx) {
    ctx.json(new JsonObject().put("status", "UP").put("files", index.size()));
  }

  /** A range is honoured unless {@code If-Range} names another version of the file. */
  private static boolean honoursRange(RoutingContext ctx, String etag) {
    String ifRange = ctx.request().getHeader("If-Range");
    return ifRange == null || ifRange.trim().equals(etag);
  }
}
