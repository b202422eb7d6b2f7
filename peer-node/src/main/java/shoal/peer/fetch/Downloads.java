package shoal.peer.fetch;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.util.HashMap;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import shoal.common.transfer.FailureReason;
import shoal.peer.NodeContext;
import shoal.peer.metrics.PeerMetrics;
import shoal.peer.share.PartialShares;
import shoal.peer.tracker.HolderWatch;
import shoal.peer.tracker.TrackerClient;
import shoal.peer.tracker.TrackerClient.Lease;
import shoal.peer.tracker.TrackerSession;

/**
 * This node's downloads: starts them (asking the tracker for a source first, so that a file no
 * one has is refused at once, unless the caller wants to wait for it: then the download waits,
 * through {@link HolderWatch}, until a holder appears), lists, finds and cancels them. Every
 * download's state lives on the node's context ({@link NodeContext}): the methods hop onto it and
 * answer immutable {@link DownloadStatus} copies, so no field of a download is ever touched by two
 * threads.
 * Unfinished downloads are always kept; of the finished ones, the newest
 * {@value FinishedDownloads#KEEP}.
 */
public final class Downloads {

  private static final Logger LOG = LoggerFactory.getLogger(Downloads.class);
  private static final int BODY_CHUNK_BYTES = 64 * 1024;

  final Vertx vertx;
  final TrackerSession session;
  final TrackerClient tracker;
  final HttpClient http;
  final FetchSettings settings;
  final VerifiedFiles verified;
  final PartialShares partials;
  final UnfinishedDownloads unfinished;
  final PeerMetrics metrics;
  private final NodeContext node;
  private final Map<String, Download> downloads = new LinkedHashMap<>();
  private final FinishedDownloads finished;
  private final HolderWatch holders;
  /** Starts waiting for the tracker's answer, by file. */
  private final Map<WantedFile, Future<DownloadStatus>> starting = new HashMap<>();
  /** Whether downloads waiting for a file are recorded to wait again after a restart: so in nodes that resume. */
  private boolean recordWaits;

  /**
   * @param verified given each file once it sits verified in the target folder, before the
   *     tracker is told: the node makes it servable there
   * @param partials where running downloads offer their verified pieces to the files port
   * @param metrics counts the downloads, their bytes and what their sources got wrong
   */
  public Downloads(Vertx vertx, NodeContext node, TrackerSession session, TrackerClient tracker, FetchSettings settings,
      VerifiedFiles verified, PartialShares partials, PeerMetrics metrics) {
    this(vertx, node, session, tracker, settings, verified, partials, metrics, FinishedDownloads.KEEP);
  }

  /** @param keepFinished how many finished downloads stay listed, the newest ones */
  Downloads(Vertx vertx, NodeContext node, TrackerSession session, TrackerClient tracker, FetchSettings settings,
      VerifiedFiles verified, PartialShares partials, PeerMetrics metrics, int keepFinished) {
    this.finished = new FinishedDownloads(keepFinished);
    this.vertx = vertx;
    this.node = node;
    this.session = session;
    this.tracker = tracker;
    this.settings = settings;
    this.verified = verified;
    this.partials = partials;
    this.metrics = metrics;
    this.unfinished = new UnfinishedDownloads(settings.partialDir());
    this.holders = new HolderWatch(vertx, tracker.baseUrl());
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
    return start(WantedFile.bySha256(sha256), false);
  }

  /**
   * Starts downloading {@code wanted}, or answers the download of it already under way (or
   * waiting). When no peer holds it: with {@code wait}, answers a download in state
   * {@code waiting} that starts by itself once a holder appears; without, fails at once with the
   * tracker's {@code not_available}.
   */
  public Future<DownloadStatus> start(WantedFile wanted, boolean wait) {
    return onContext(() -> {
      Optional<Download> known = downloads.values().stream()
          .filter(download -> wanted.matches(download) && !download.isFinished())
          .findFirst();
      if (known.isPresent()) {
        return Future.succeededFuture(known.get().status());
      }
      // Two starts of one file (a resume and the user, say) must not make two downloads into one partial file.
      Future<DownloadStatus> pending = starting.get(wanted);
      if (pending != null) {
        return pending;
      }
      Future<DownloadStatus> begun = lease(wanted).map(this::begin)
          .recover(e -> wait && HolderWatch.notThereYet(e) ? Future.succeededFuture(waitFor(wanted)) : Future.failedFuture(e));
      starting.put(wanted, begun);
      begun.onComplete(done -> starting.remove(wanted));
      return begun;
    });
  }

  /**
   * A transfer of {@code wanted} from a holder, in pieces: so a file that only downloaders still
   * fetching it hold between them can be started.
   */
  private Future<Lease> lease(WantedFile wanted) {
    return here(wanted.resolve(tracker))
        .compose(sha256 -> call(peer -> tracker.startTransfer(peer, sha256, List.of(), true)));
  }

  /**
   * A new download from {@code lease}; when the file (asked for by name) is under way already,
   * that download, and the lease is let go.
   */
  private DownloadStatus begin(Lease lease) {
    Optional<Download> other = underWay(lease.sha256(), null);
    if (other.isPresent()) {
      call(peer -> tracker.reportFailed(peer, lease.transferId(), FailureReason.CANCELLED))
          .onFailure(e -> LOG.debug("could not let a spare transfer go: {}", e.getMessage()));
      return other.get().status();
    }
    Download download = new Download(this, lease);
    listed(download);
    download.start(lease);
    return download.status();
  }

  private DownloadStatus waitFor(WantedFile wanted) {
    Download download = new Download(this, wanted);
    listed(download);
    download.await(holders.await(() -> lease(wanted), wanted::concerns), recordWaits);
    LOG.info("nobody offers {} yet: waiting for a holder", wanted.sha256() != null ? wanted.sha256() : wanted.name());
    return download.status();
  }

  private void listed(Download download) {
    downloads.put(download.id(), download);
    metrics.downloadStarted();
    download.finished().onSuccess(done -> {
      metrics.downloadEnded();
      finished.finished(done.id()).forEach(downloads::remove);
    });
  }

  /** The unfinished download of {@code sha256} other than {@code except}, if there is one. */
  Optional<Download> underWay(String sha256, Download except) {
    return downloads.values().stream()
        .filter(download -> download != except && sha256.equals(download.sha256()) && !download.isFinished())
        .findFirst();
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

  /**
   * Cancels the download if it is still waiting for a holder, and answers whether it was: a wait
   * that runs out gives up only a download that has not started.
   */
  public Future<Boolean> cancelIfWaiting(String downloadId) {
    return onContext(() -> {
      Download download = downloads.get(downloadId);
      return Future.succeededFuture(download != null && download.isWaiting() && download.cancel());
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

  /**
   * Carries on with the downloads an earlier run of this node left unfinished (stopped, crashed or
   * killed), from the bytes on disk, and removes partial data that no download owns. A file that
   * nobody offers right now waits for a holder ({@code waiting}) and stays recorded for the node's
   * next start; from now on, so do the downloads the user starts waiting.
   */
  public Future<Void> resumeUnfinished() {
    return onContext(() -> {
      recordWaits = true;
      return vertx.executeBlocking(unfinished::recordedSweepingTheRest).map(recorded -> {
        recorded.forEach(this::resume);
        return null;
      });
    });
  }

  private void resume(WantedFile wanted) {
    String named = wanted.sha256() != null ? wanted.sha256() : wanted.name();
    start(wanted, true)
        .onSuccess(status -> LOG.info("resuming the download of {} ({}, {} of {} bytes on disk)",
            status.name() != null ? status.name() : named, status.state(), status.bytes(), status.size()))
        .onFailure(e -> LOG.warn("cannot resume the download of {}: {}", named, e.getMessage()));
  }

  /**
   * Stops every download for the node to go down: partial files and their records stay, so the
   * next start carries on. Closes the HTTP client.
   */
  public Future<Void> close() {
    return onContext(() -> {
      // A copy: a waiting download that suspends ends at once, and its end takes it off the list.
      List.copyOf(downloads.values()).forEach(Download::suspend);
      holders.close();
      return http.close();
    });
  }

  /** A call that needs this peer's registration (the session answers on the node's context). */
  <T> Future<T> call(Function<TrackerClient.Registration, Future<T>> call) {
    return session.call(call);
  }

  /** {@code foreign}'s outcome, delivered on the node's context whichever thread completes it. */
  <T> Future<T> here(Future<T> foreign) {
    return node.here(foreign);
  }

  private <T> Future<T> onContext(Supplier<Future<T>> work) {
    return node.run(work);
  }
}
