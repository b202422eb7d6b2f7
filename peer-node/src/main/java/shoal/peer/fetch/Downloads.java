package shoal.peer.fetch;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import shoal.peer.tracker.TrackerClient;
import shoal.peer.tracker.TrackerSession;

/**
 * This node's downloads: starts them (asking the tracker for a source first, so that a file no
 * one has is refused at once), finds and cancels them. Each {@link Download} then runs by itself.
 * Unfinished downloads are always kept; of the finished ones, the newest
 * {@value FinishedDownloads#KEEP}.
 */
public final class Downloads {

  private static final int BODY_CHUNK_BYTES = 64 * 1024;

  final Vertx vertx;
  final TrackerSession session;
  final TrackerClient tracker;
  final HttpClient http;
  final FetchSettings settings;
  final BiFunction<Path, String, Future<Void>> onVerified;
  private final Map<String, Download> downloads = new ConcurrentHashMap<>();
  private final FinishedDownloads finished;

  /**
   * @param onVerified called with a file once it sits verified in the target folder, before the
   *     tracker is told: the node makes it servable there
   */
  public Downloads(Vertx vertx, TrackerSession session, TrackerClient tracker, FetchSettings settings,
      BiFunction<Path, String, Future<Void>> onVerified) {
    this(vertx, session, tracker, settings, onVerified, FinishedDownloads.KEEP);
  }

  /** @param keepFinished how many finished downloads stay listed, the newest ones */
  Downloads(Vertx vertx, TrackerSession session, TrackerClient tracker, FetchSettings settings,
      BiFunction<Path, String, Future<Void>> onVerified, int keepFinished) {
    this.finished = new FinishedDownloads(keepFinished);
    this.vertx = vertx;
    this.session = session;
    this.tracker = tracker;
    this.settings = settings;
    this.onVerified = onVerified;
    // No keep-alive: every attempt gets a fresh connection, never one a failed source left behind.
    // Body chunks as large as a socket read (Netty reads up to 64 KiB at a time) rather than the
    // default 8 KiB slices: each chunk costs a copy into a buffer of its own and a trip through the
    // pipe to the disk writer, so fewer, larger chunks leave more CPU for hashing and writing.
    // Keep-alive matters beyond saving handshakes: with "Connection: close" the source hangs up
    // as soon as it has sent the body, and a response this side is still holding back (the disk
    // being behind) then fails as "Connection was closed" with its last bytes undelivered.
    this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setKeepAliveTimeout(10)
            .setConnectTimeout(5_000).setMaxChunkSize(BODY_CHUNK_BYTES),
        new PoolOptions().setHttp1MaxSize(16));
  }

  /**
   * Starts downloading {@code sha256}, or returns the download of it already under way. Fails at
   * once with the tracker's {@code not_available} when no peer holds it.
   */
  public Future<Download> start(String sha256) {
    Optional<Download> running = downloads.values().stream()
        .filter(download -> download.sha256().equals(sha256) && !download.isFinished())
        .findFirst();
    if (running.isPresent()) {
      return Future.succeededFuture(running.get());
    }
    return session.call(peer -> tracker.startTransfer(peer, sha256, List.of())).map(lease -> {
      Download download = new Download(this, lease);
      downloads.put(download.id(), download);
      download.finished().onSuccess(done -> finished.finished(done.id()).forEach(downloads::remove));
      download.start(lease);
      return download;
    });
  }

  public Optional<Download> find(String downloadId) {
    return Optional.ofNullable(downloads.get(downloadId));
  }

  public Collection<Download> all() {
    return downloads.values();
  }

  /** Downloads neither finished nor cancelled. */
  public long active() {
    return downloads.values().stream().filter(download -> !download.isFinished()).count();
  }

  public void close() {
    downloads.values().forEach(Download::cancel);
    http.close();
  }
}
