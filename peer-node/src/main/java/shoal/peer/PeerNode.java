package shoal.peer;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import shoal.peer.control.ControlService;
import shoal.peer.control.ControlVerticle;
import shoal.peer.fetch.Downloads;
import shoal.peer.fetch.FetchSettings;
import shoal.peer.metrics.PeerMetrics;
import shoal.peer.serve.FilesVerticle;
import shoal.peer.serve.UploadSlots;
import shoal.peer.share.HashCache;
import shoal.peer.share.PieceHashes;
import shoal.peer.share.PartialShares;
import shoal.peer.share.ShareIndex;
import shoal.peer.share.ShareScanner;
import shoal.peer.tracker.TrackerClient;
import shoal.peer.tracker.TrackerRoute;
import shoal.peer.tracker.TrackerSession;

/**
 * A running peer node: the share index kept up to date, the files port, the tracker session, the
 * downloads and the control port, on a Vert.x instance of its own. Started by {@code shoal peer},
 * by the demo and, the same way, by the tests; {@code shoal get} starts the download-only kind
 * ({@link #startDownloadOnly}), which is the same node without the sharing and the control port.
 */
public final class PeerNode implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PeerNode.class);
  private static final long STEP_SECONDS = 30;
  private static final long LEAVE_SECONDS = 5;

  private final Vertx vertx;
  private final NodeContext context;
  private final PeerConfig config;
  /** False for a download-only node ({@link #startDownloadOnly}). */
  private final boolean sharing;
  private final ShareIndex index = new ShareIndex();
  /** What running downloads serve of their files before they are whole: a crowd passes pieces on. */
  private final PartialShares partials = new PartialShares();
  private final PeerMetrics metrics = new PeerMetrics();
  private final Promise<Void> stopped = Promise.promise();
  private final AtomicBoolean closing = new AtomicBoolean();
  private ShareScanner scanner;
  private FetchSettings fetching;
  private TrackerClient tracker;
  private TrackerSession session;
  private Downloads downloads;
  private String controlToken;
  private int filesPort;
  private int controlPort;

  private PeerNode(Vertx vertx, PeerConfig config, boolean sharing) {
    this.vertx = vertx;
    this.context = new NodeContext(vertx);
    this.config = config;
    this.sharing = sharing;
  }

  /** Starts a node and returns once both ports listen and the first registration was tried. Blocks. */
  public static PeerNode start(PeerConfig config) {
    return new PeerNode(Vertx.vertx(), config, true).started();
  }

  /**
   * Starts a node that only downloads, into {@code config.share()}, as {@code shoal get} runs one
   * ({@link PeerConfig#downloadOnly}): it shares nothing, opens no control port and leaves alone
   * the unfinished downloads another node keeps in that folder. On {@link #close()} it removes its
   * partial-download folders when they are empty, leaving the folder as it found it but for what
   * it saved. Returns once the files port listens and the first registration was tried. Blocks.
   */
  public static PeerNode startDownloadOnly(PeerConfig config) {
    return new PeerNode(Vertx.vertx(), config, false).started();
  }

  private PeerNode started() {
    try {
      if (sharing) {
        startSharing();
      } else {
        startDownloading();
      }
      return this;
    } catch (Exception | Error e) {
      vertx.close();
      throw e instanceof RuntimeException runtime ? runtime
          : new IllegalStateException("the peer did not start: " + e.getMessage(), e);
    }
  }

  private void startSharing() throws Exception {
    // The real path, so that a share reached through a symbolic link is still walked.
    Path share = Files.createDirectories(config.share()).toRealPath();
    fetching = FetchSettings.inside(share, config.sources(), config.patience());
    HashCache cache = HashCache.load(share.resolve(".shoal").resolve("hashes.tsv"));
    scanner = new ShareScanner(vertx, context, share, index, cache);
    UploadSlots uploads = new UploadSlots(config.maxUploads());
    listenForFiles(uploads);
    scanner.scan().await(Long.MAX_VALUE, TimeUnit.SECONDS);
    joinTracker();
    scanner.watch(config.rescanInterval());
    // The index changes on the node's context only, so it is listened to from there.
    context.execute(() -> index.onChange(change -> vertx.eventBus().publish(PeerEvents.ADDRESS, new JsonObject()
        .put("event", PeerEvents.FILES_CHANGED).put("files", index.size())
        .put("added", change.added().size()).put("removed", change.removed().size()))));

    downloads = new Downloads(vertx, context, session, tracker, fetching, this::adoptDownloaded, partials, metrics);
    downloads.resumeUnfinished().await(STEP_SECONDS, TimeUnit.SECONDS);
    controlToken = config.controlToken() != null ? config.controlToken() : randomToken();
    ControlService service = new ControlService(config.name(), session, tracker, index, uploads, downloads,
        () -> new Thread(this::close, "shoal-peer-stop").start());
    ControlVerticle control = new ControlVerticle(service, controlToken, config.controlPort(), config.idleTimeout());
    vertx.deployVerticle(control).await(STEP_SECONDS, TimeUnit.SECONDS);
    controlPort = control.actualPort();
  }

  private void startDownloading() throws Exception {
    // The folder as the user named it, not created until a file arrives: the saved line shows that path, and a
    // download that never starts leaves nothing behind.
    fetching = FetchSettings.inside(config.share(), config.sources(), config.patience());
    listenForFiles(new UploadSlots(config.maxUploads()));
    joinTracker();
    // Nothing is served from here, so a verified file just stays where it was saved.
    downloads = new Downloads(vertx, context, session, tracker, fetching, (file, sha256, pieces) -> Future.succeededFuture(),
        partials, metrics);
  }

  private void listenForFiles(UploadSlots uploads) throws Exception {
    metrics.watchUploads(uploads::active);
    FilesVerticle files = new FilesVerticle(index, partials, uploads, config.host(), config.port(), config.uploadLimit(),
        config.idleTimeout(), config.maxConnections(), metrics);
    vertx.deployVerticle(files).await(STEP_SECONDS, TimeUnit.SECONDS);
    filesPort = files.actualPort();
  }

  private void joinTracker() throws Exception {
    tracker = new TrackerClient(vertx, config.tracker(), config.joinKey());
    session = new TrackerSession(vertx, context, tracker, config.name(), advertisedAddress(), index);
    session.start().await(STEP_SECONDS, TimeUnit.SECONDS);
  }

  /** A verified download is made servable, with the piece hashes it was checked against, before the tracker hears of it. */
  private Future<Void> adoptDownloaded(Path file, String sha256, PieceHashes pieces) {
    return scanner.adopt(file, sha256, pieces).compose(adopted -> scanner.scan());
  }

  /**
   * {@code --advertise}, else the files port's own address. A wildcard host is no address to give
   * others: the address the tracker is reached from stands in (see {@link TrackerRoute}), or the
   * machine's own name's address with a tracker on loopback.
   */
  private String advertisedAddress() {
    if (config.advertise() != null) {
      return config.advertise();
    }
    String host = config.host();
    if (TrackerRoute.isWildcard(host)) {
      host = TrackerRoute.localAddress(config.tracker()).orElseGet(PeerNode::localHostAddress);
    }
    return urlOf(host, filesPort);
  }

  private static String localHostAddress() {
    try {
      return InetAddress.getLocalHost().getHostAddress();
    } catch (UnknownHostException e) {
      return TrackerRoute.LOOPBACK;
    }
  }

  private static String urlOf(String host, int port) {
    return "http://" + (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
  }

  private static String randomToken() {
    byte[] bytes = new byte[24];
    new SecureRandom().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  public PeerConfig config() {
    return config;
  }

  public int filesPort() {
    return filesPort;
  }

  /** 0 for a download-only node, which has no control port. */
  public int controlPort() {
    return controlPort;
  }

  /** Null for a download-only node. */
  public String controlToken() {
    return controlToken;
  }

  /** The control page, token included: what the user opens. */
  public String controlUrl() {
    return "http://" + ControlVerticle.LOOPBACK + ":" + controlPort + "/?token=" + controlToken;
  }

  public String filesUrl() {
    return urlOf(config.host(), filesPort);
  }

  /** This peer's id at the tracker; null while not registered. */
  public String peerId() {
    return session.peerId();
  }

  /** Whether the tracker has this node registered now; it keeps trying while not. */
  public boolean registered() {
    return session.registered();
  }

  /** Why the last registration attempt failed (an {@code ApiError} when the tracker answered); null when it did not. */
  public Throwable registrationRefusal() {
    return session.lastRefusal();
  }

  /** The tracker's API as this node calls it, join key included: for searches. */
  public TrackerClient tracker() {
    return tracker;
  }

  public ShareIndex index() {
    return index;
  }

  public Downloads downloads() {
    return downloads;
  }

  /** Completes once the node has stopped, whether by {@link #close()} or {@code POST /api/v1/leave}. */
  public Future<Void> stopped() {
    return stopped.future();
  }

  /** Leaves the tracker (waiting a few seconds at most), then stops everything. Blocks; repeatable. */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      stopped.future().await();
      return;
    }
    try {
      if (scanner != null) {
        scanner.stop();
      }
      if (downloads != null) {
        downloads.close().await(STEP_SECONDS, TimeUnit.SECONDS);
      }
      if (session != null) {
        session.leave().await(LEAVE_SECONDS, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      LOG.warn("could not leave the tracker cleanly: {}", e.getMessage());
    }
    if (!sharing && fetching != null) {
      // Downloads are stopped by now, so an empty folder stays empty.
      removeIfEmpty(fetching.partialDir());
      removeIfEmpty(fetching.partialDir().getParent());
    }
    shutDown();
  }

  private static void removeIfEmpty(Path dir) {
    try {
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // not empty: something else lives there, a sharing peer's hash cache or another node's partial downloads
    }
  }

  /** Stops at once without telling the tracker, as a crash or a pulled cable would. For tests. */
  public void kill() {
    if (closing.compareAndSet(false, true)) {
      shutDown();
    }
  }

  private void shutDown() {
    try {
      vertx.close().await(STEP_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("the peer did not stop cleanly: {}", e.getMessage());
    }
    stopped.tryComplete();
  }
}
