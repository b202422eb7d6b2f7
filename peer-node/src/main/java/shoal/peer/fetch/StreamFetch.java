package shoal.peer.fetch;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import shoal.common.transfer.FailureReason;
import shoal.peer.metrics.PeerMetrics;
import shoal.peer.tracker.TrackerClient;
import shoal.peer.tracker.TrackerClient.Lease;

/**
 * A download from holders that list no pieces (a file of one piece, an older peer, a plain web
 * server): one stream from one holder at a time into a {@link PartialFile}, hashed on the way.
 * When a source breaks off, stalls, crawls, errs or lies, its transfer is reported failed with a
 * reason of Shoal's own, another source is asked for (see {@link SourceChoice}) and the stream
 * resumes with a {@code Range} from the bytes on disk.
 *
 * <p>No source is trusted beyond its own transfer: each one's declared size bounds what it may
 * send, bytes fetched for another size are not resumed from, and a failed verification blames a
 * source only when every byte came from it; after one that could not name the culprit, each
 * source must deliver the whole file on its own.
 */
final class StreamFetch implements Fetch {

  private static final Logger LOG = LoggerFactory.getLogger(StreamFetch.class);
  /** Stands for bytes a partial file kept from an earlier run of this node: nobody knows who sent them. */
  private static final String EARLIER_RUN = "earlier run";

  private final Download download;
  private final Downloads owner;
  private final Lease first;
  private final Promise<Fetched> result = Promise.promise();
  /** Who sent the bytes now in the partial file. */
  private final Set<String> contributors = new HashSet<>();
  /** The size the partial file's bytes were fetched for; -1 while unknown. */
  private long partialSize = -1;
  /** Whether a source may resume from another's bytes; no longer after a verification could not name the culprit. */
  private boolean mixSources = true;
  private long size;
  private boolean stopped;
  private Lease lease;
  private SourceTally source;
  private PartialFile partial;
  private HttpClientRequest request;
  private SourceWatch watch;
  /** Set when this side broke off the current source for its pace, so the failure that follows is told as such. */
  private SourceWatch.Verdict stopping;
  /** Holders that answered busy, for the pause each asked for. */
  private final RestingSources resting = new RestingSources();

  StreamFetch(Download download, Lease first) {
    this.download = download;
    this.owner = download.owner;
    this.first = first;
    this.size = first.size();
  }

  @Override
  public Future<Fetched> run() {
    owner.vertx.executeBlocking(this::dropPieceFetchLeftovers)
        .compose(cleared -> PartialFile.open(owner.vertx, owner.settings.partialDir(), download.sha256()))
        .onSuccess(opened -> {
          partial = opened;
          if (opened.length() > 0) {
            contributors.add(EARLIER_RUN);
          }
          attempt(first);
        })
        .onFailure(e -> {
          download.reportFailed(first, FailureReason.DOWNLOADER_ERROR);
          result.tryFail(new PartialFile.DiskFailure(owner.settings.partialDir(), e));
        });
    return result.future();
  }

  /** Bytes a piece fetch left (a file filled out of order, with its {@code .have}) are no prefix to resume from. */
  private Void dropPieceFetchLeftovers() throws IOException {
    Path dir = owner.settings.partialDir();
    if (Files.deleteIfExists(PieceFile.havePath(dir, download.sha256()))) {
      Files.deleteIfExists(PieceFile.partPath(dir, download.sha256()));
    }
    return null;
  }

  @Override
  public long bytes() {
    return partial == null ? 0 : partial.length();
  }

  @Override
  public void stop() {
    stopped = true;
    if (request != null) {
      request.reset();
    }
  }

  @Override
  public Future<Void> release(boolean keep) {
    return partial == null || keep ? Future.succeededFuture() : partial.discard();
  }

  private void attempt(Lease current) {
    if (stopped) {
      download.reportFailed(current, FailureReason.CANCELLED);
      result.tryFail(new Stopped());
      return;
    }
    lease = current;
    size = current.size();
    stopping = null;
    source = download.used(current);
    keepOnlyTrustedBytes(current)
        .compose(ready -> fetch(current))
        .compose(fetched -> verify(current))
        // A source that resumed from another's bytes sent only the rest.
        .onSuccess(verified -> result.tryComplete(
            new Fetched(partial.path(), null, List.of(new Supplied(current, source.bytes())))))
        .onFailure(e -> recover(current, e));
  }

  /**
   * Bytes already on disk are resumed from only while they can be trusted with this source: they
   * were fetched for the size this source declares, and, once a verification could not tell who
   * sent wrong bytes, only when this source sent all of them.
   */
  private Future<Void> keepOnlyTrustedBytes(Lease current) {
    boolean otherSize = partialSize >= 0 && partialSize != current.size();
    boolean tooLong = partial.length() > current.size();
    boolean othersBytes = !mixSources && !Set.of(current.sourcePeerId()).containsAll(contributors);
    partialSize = current.size();
    return otherSize || tooLong || othersBytes ? discardPartial() : Future.succeededFuture();
  }

  /** Brings the partial file up to the source's size from that source. */
  private Future<Void> fetch(Lease current) {
    long offset = partial.length();
    if (offset == size) {
      return Future.succeededFuture();
    }
    return partial.prepare()
        .compose(ready -> SourceRequest.to(owner.vertx, current.sourceAddress(), download.sha256(), offset))
        .compose(owner.http::request)
        .compose(sent -> {
          request = sent;
          watch = new SourceWatch(owner.settings.patience(), System.nanoTime());
          if (stopped) {
            sent.reset();
          }
          return sent.send();
        })
        .compose(response -> receive(response, offset))
        .compose(done -> partial.length() == size ? Future.succeededFuture()
            : Future.failedFuture(new SourceFailure(FailureReason.CONNECTION_LOST,
                "the connection ended after " + partial.length() + " of " + size + " bytes")));
  }

  /** Writes the body into the partial file when {@link SourceRequest#refusal} finds nothing wrong with it. */
  private Future<Void> receive(HttpClientResponse response, long offset) {
    Optional<SourceFailure> refusal = SourceRequest.refusal(response, offset, size);
    if (refusal.isPresent()) {
      response.pause();
      return Future.failedFuture(refusal.get());
    }
    boolean whole = response.statusCode() == 200;
    if (whole) {
      contributors.clear();
    }
    SourceTally from = source;
    return partial.receive(response, whole, size, bytes -> {
      from.received(bytes);
      contributors.add(from.peerId);
    });
  }

  /**
   * Checks the whole file against its SHA-256. A source is blamed for a mismatch only when every
   * byte came from it; when several sources (or an earlier run) contributed, the bytes are
   * dropped without blaming anyone, and from then on each source must deliver the whole file on
   * its own, so the next mismatch names the culprit.
   */
  private Future<Void> verify(Lease current) {
    download.verifying();
    if (partial.matches(download.sha256())) {
      return Future.succeededFuture();
    }
    download.metrics().rejected(PeerMetrics.Rejected.FILE);
    boolean soleSender = Set.of(current.sourcePeerId()).containsAll(contributors);
    if (!soleSender) {
      mixSources = false;
    }
    return discardPartial().compose(discarded -> Future.failedFuture(soleSender
        ? new SourceFailure(FailureReason.CORRUPT, "its data did not match the SHA-256")
        : new SourceFailure(FailureReason.INCONCLUSIVE, "the data of several sources did not match the SHA-256")));
  }

  private Future<Void> discardPartial() {
    contributors.clear();
    return partial.discard();
  }

  /**
   * Reports the failed transfer with a reason of Shoal's own and carries on with another source,
   * as {@link SourceChoice} allows, resuming from the bytes on disk. A failure of this node's own
   * disk ends the download without blaming anyone.
   */
  private void recover(Lease current, Throwable failure) {
    source.stopped();
    HttpClientRequest broken = request;
    request = null;
    if (broken != null) {
      broken.reset();
    }
    if (stopped) {
      download.reportFailed(current, FailureReason.CANCELLED);
      result.tryFail(new Stopped());
      return;
    }
    if (failure instanceof PartialFile.DiskFailure) {
      download.reportFailed(current, FailureReason.DOWNLOADER_ERROR);
      result.tryFail(failure);
      return;
    }
    FailureReason reason = SourceFailure.reasonFor(failure, stopping);
    LOG.warn("downloading {} from {} failed ({}): {}", download.name(), source.name, reason.code(), failure.getMessage());
    download.sourceFailed(current, reason);
    Future<Void> cleanup = reason == FailureReason.OVERSIZED ? discardPartial() : Future.succeededFuture();
    if (reason == FailureReason.BUSY) {
      // Left alone for the pause its Retry-After asks for; any other holder may be asked meanwhile.
      resting.rest(current.sourcePeerId(), SourceFailure.busyPause(failure));
    }
    cleanup.onComplete(done -> askForAnotherSource());
  }

  private void askForAnotherSource() {
    download.anotherLease(resting.now(), false)
        .onSuccess(this::attempt)
        .onFailure(e -> {
          OptionalLong soonest = resting.soonestMillis();
          if (TrackerClient.notAvailable(e) && soonest.isPresent()) {
            // Only holders that are busy for now have it: ask again once the first may be asked.
            owner.vertx.setTimer(soonest.getAsLong(), fired -> askForAnotherSource());
          } else if (!download.secondChance(e, this::askForAnotherSource)) {
            result.tryFail(download.gaveUp(e));
          }
        });
  }

  /**
   * Breaks off the current request once its source has gone silent or crawled for too long (see
   * {@link SourceWatch}); the failure that follows is told as a stall or as too slow. About once a
   * second, tells the tracker how far the current transfer is.
   */
  @Override
  public void tick(boolean reportProgress) {
    if (request == null || watch == null || partial == null || source == null) {
      return;
    }
    if (reportProgress && lease != null) {
      download.reportProgress(lease, source.bytes());
    }
    if (stopping != null) {
      return;
    }
    SourceWatch.Verdict verdict = watch.observe(System.nanoTime(), source.bytes(), partial.waitingForDisk());
    if (verdict != SourceWatch.Verdict.FINE) {
      stopping = verdict;
      request.reset(0, new TimeoutException(verdict.name()));
    }
  }
}
