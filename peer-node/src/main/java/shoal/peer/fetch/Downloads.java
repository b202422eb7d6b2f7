package shoal.peer.fetch;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.internal.ContextInternal;
import java.nio.file.Path;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import shoal.peer.tracker.TrackerClient;
import shoal.peer.tracker.TrackerSession;

/**
 * This node's downloads: starts them (asking the tracker for a source first, so that a file no
 * one has is refused at once), lists, finds and cancels them. Every download's state lives on one
 * Vert.x context of this object's own: the methods hop onto it and answer immutable
 * {@link DownloadStatus} copies, so no field of a download is ever touched by two threads.
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
  private final Context context;
  private final Map<String, Download> downloads = new LinkedHashMap<>();
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
    this.context = vertx.getOrCreateContext();
    this.session = session;
    this.tracker = tracker;
    this.settings = settings;
    this.onVerified = onVerified;
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
   * Starts downloading {@code sha256}, or answers the download of it already under way. Fails at
   * once with the tracker's {@code not_available} when no peer holds it.
   */
  public Future<DownloadStatus> start(String sha256) {
    return onContext(() -> {
      Optional<Download> running = downloads.values().stream()
          .filter(download -> download.sha256().equals(sha256) && !download.isFinished())
          .findFirst();
      if (running.isPresent()) {
        return Future.succeededFuture(running.get().status());
      }
      return call(peer -> tracker.startTransfer(peer, sha256, List.of())).map(lease -> {
        Download download = new Download(this, lease);
        downloads.put(download.id(), download);
        download.finished().onSuccess(done -> finished.finished(done.id()).forEach(downloads::remove));
        download.start(lease);
        return download.status();
      });
    });
  }

  public Future<Optional<DownloadStatus>> find(String downloadId) {
    return onContext(() -> Future.succeededFuture(Optional.ofNullable(downloads.get(downloadId)).map(Download::status)));
  }

  /** Every download listed, oldest first. */
  public Future<List<DownloadStatus>> all() {
    return onContext(() -> Future.succeededFuture(downloads.values().stream().map(Download::status).toList()));
  }

  /** How many downloads are neither finished nor cancelled. */
  public Future<Long> active() {
    return onContext(() -> Future.succeededFuture(downloads.values().stream().filter(download -> !download.isFinished()).count()));
  }

  /** Cancels a download (removing its partial file); answers it as it then stands, empty when unknown. */
  public Future<Optional<DownloadStatus>> cancel(String downloadId) {
    return onContext(() -> {
      Download download = downloads.get(downloadId);
      if (download != null) {
        download.cancel();
      }
      return Future.succeededFuture(Optional.ofNullable(download).map(Download::status));
    });
  }

  /** Completes with the download's last status once it is done, failed or cancelled. */
  public Future<DownloadStatus> whenFinished(String downloadId) {
    return onContext(() -> {
      Download download = downloads.get(downloadId);
      return download == null ? Future.failedFuture(new IllegalArgumentException("no download " + downloadId))
          : download.finished().map(Download::status);
    });
  }

  /** Cancels every download and closes the HTTP client. */
  public Future<Void> close() {
    return onContext(() -> {
      downloads.values().forEach(Download::cancel);
      return http.close();
    });
  }

  /**
   * A call that needs this peer's registration, its outcome handed back on the downloads' context:
   * the tracker session may complete it on another.
   */
  <T> Future<T> call(Function<TrackerClient.Registration, Future<T>> call) {
    return here(session.call(call));
  }

  /** {@code foreign}'s outcome, delivered on the downloads' context whichever thread completes it. */
  <T> Future<T> here(Future<T> foreign) {
    Promise<T> promise = ((ContextInternal) context).promise();
    foreign.onComplete(promise);
    return promise.future();
  }

  /** Runs {@code work} on the downloads' context and answers its outcome, wherever the caller is. */
  private <T> Future<T> onContext(Supplier<Future<T>> work) {
    Promise<T> promise = Promise.promise();
    context.runOnContext(v -> {
      try {
        work.get().onComplete(promise);
      } catch (RuntimeException e) {
        promise.fail(e);
      }
    });
    return promise.future();
  }
}
