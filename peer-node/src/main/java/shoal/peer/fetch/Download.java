package shoal.peer.fetch;

import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.json.JsonObject;
import java.net.ConnectException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import shoal.common.http.ApiError;
import shoal.common.transfer.FailureReason;
import shoal.peer.PeerEvents;
import shoal.peer.share.PieceLayout;
import shoal.peer.tracker.TrackerClient.Lease;

/**
 * One file on its way here, on the downloads' context. Streams it from the source the tracker chose
 * into a {@link PartialFile} (hashing on the way), reports progress to the tracker about once a
 * second, and when a source breaks off, stalls, crawls, errs or lies, reports that transfer failed
 * with a reason of Shoal's own, asks for another source excluding it and resumes with a
 * {@code Range} from the bytes already on disk. Verified, the file is renamed into the target
 * folder in one step and the last transfer is reported complete.
 *
 * <p>When a holder lists the file's pieces, every piece is checked as it arrives: a wrong piece
 * blames the source that sent it and costs that piece, not the file, and a switch of source
 * resumes from the end of the last piece that matched, so that each piece is one source's work.
 * The whole file's SHA-256 is still checked at the end; if it fails although every piece matched,
 * the list lied, and its source is blamed.
 *
 * <p>No source is trusted beyond its own transfer: each one's declared size bounds what it may
 * send (the partial file never grows past it, and headers that disagree with it are refused
 * before a byte is written), bytes fetched for another size are not resumed from, and without a
 * piece list a failed verification blames a source only when every byte came from it.
 *
 * <p>A source's pace is judged by {@link SourceWatch} four times a second. The HTTP client's own
 * idle timeout cannot do it: it also runs while the download itself holds the source back
 * because the disk is behind (a slow disk, or a busy machine), and then broke off healthy transfers.
 */
final class Download {

  private static final Logger LOG = LoggerFactory.getLogger(Download.class);
  private static final long TICK_MILLIS = 250;
  private static final int TICKS_PER_TRACKER_REPORT = 4;
  /** Pause before giving the holders that broke off one more chance. */
  private static final long SECOND_ROUND_DELAY_MILLIS = 1_000;
  /** Stands for bytes a partial file kept from an earlier run of this node: nobody knows who sent them. */
  private static final String EARLIER_RUN = "earlier run";

  /** What a download is doing; {@code json()} is the contract's name. */
  enum State {
    QUEUED, RUNNING, VERIFYING, DONE, FAILED, CANCELLED;

    String json() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** One source used, with the bytes it contributed. */
  private static final class Source {
    final String peerId;
    final String name;
    long bytes;

    Source(String peerId, String name) {
      this.peerId = peerId;
      this.name = name;
    }
  }

  private final Downloads owner;
  private final String id = UUID.randomUUID().toString();
  private final String sha256;
  private final String name;
  /** The size the current source declares; each source is held to its own. */
  private long size;
  private final List<Source> sources = new ArrayList<>();
  private final SourceChoice choice = new SourceChoice();
  /** Who sent the bytes now in the partial file. */
  private final Set<String> contributors = new HashSet<>();
  /** The size the partial file's bytes were fetched for; -1 while unknown. */
  private long partialSize = -1;
  /** Whether a source may resume from another's bytes; no longer after a verification could not name the culprit. */
  private boolean mixSources = true;
  /** The sources asked for a piece list, and the one whose list the bytes are checked against. */
  private final Set<String> askedForPieces = new HashSet<>();
  private String listSource;
  private final Promise<Download> finished = Promise.promise();
  private State state = State.QUEUED;
  private String error;
  private long speed;
  private Path savedAs;
  private boolean cancelled;
  /** Set when the node is going down: the partial file and its record stay for the next start. */
  private boolean keepForNextStart;
  private HttpClientRequest request;
  private SourceWatch watch;
  /** Set when this side broke off the current source for its pace, so the failure that follows is told as such. */
  private SourceWatch.Verdict stopping;
  private Lease lease;
  private PartialFile partial;
  private long tickerId = -1;
  private long lastTickBytes;
  private long ticks;
  private long lastPublishedBytes = -1;

  Download(Downloads owner, Lease first) {
    this.owner = owner;
    this.sha256 = first.sha256();
    this.name = first.name();
    this.size = first.size();
  }

  String id() {
    return id;
  }

  String sha256() {
    return sha256;
  }

  boolean isFinished() {
    return state == State.DONE || state == State.FAILED || state == State.CANCELLED;
  }

  /** Completes (never fails) once the download is done, failed or cancelled. */
  Future<Download> finished() {
    return finished.future();
  }

  /** Stops the download and removes its partial file; false when it had already finished. */
  boolean cancel() {
    if (isFinished()) {
      return false;
    }
    cancelled = true;
    if (request != null) {
      request.reset();
    }
    return true;
  }

  /**
   * Stops the download but keeps its partial file and its record, for the node's next start to
   * carry on from: what a node that is going down does with its unfinished downloads.
   */
  void suspend() {
    if (isFinished()) {
      return;
    }
    keepForNextStart = true;
    cancel();
  }

  /** A copy of where the download stands, for readers on any thread. */
  DownloadStatus status() {
    List<JsonObject> used = sources.stream()
        .map(source -> new JsonObject().put("peerId", source.peerId).put("bytes", source.bytes)).toList();
    return new DownloadStatus(id, sha256, name, size, bytes(), state.json(), speed, used, error, savedAs);
  }

  private long bytes() {
    return state == State.DONE ? size : partial == null ? 0 : partial.length();
  }

  void start(Lease first) {
    tickerId = owner.vertx.setPeriodic(TICK_MILLIS, id -> tick());
    PartialFile.open(owner.vertx, owner.settings.partialDir(), sha256)
        .compose(opened -> {
          partial = opened;
          if (opened.length() > 0) {
            contributors.add(EARLIER_RUN);
          }
          return owner.vertx.<Void>executeBlocking(() -> {
            owner.unfinished.remember(sha256, name, first.size());
            return null;
          });
        })
        .onSuccess(recorded -> attempt(first))
        .onFailure(e -> endForDisk(first, new PartialFile.DiskFailure(owner.settings.partialDir(), e)));
  }

  private void attempt(Lease current) {
    if (cancelled) {
      finishCancelled(current);
      return;
    }
    lease = current;
    size = current.size();
    stopping = null;
    Source source = new Source(current.sourcePeerId(), current.sourceName());
    sources.add(source);
    state = State.RUNNING;
    keepOnlyTrustedBytes(current)
        .compose(ready -> learnPieces(current))
        .compose(ready -> partial.dropUnverifiedTail())
        .compose(ready -> fetch(current, source))
        .compose(fetched -> verify(current))
        .compose(verified -> save(current))
        .onFailure(e -> recover(current, source, e));
  }

  /**
   * Bytes already on disk are resumed from only while they can be trusted with this source: they
   * were fetched for the size this source declares, and, once a verification could not tell who
   * sent wrong bytes, only when this source sent all of them.
   */
  private Future<Void> keepOnlyTrustedBytes(Lease current) {
    boolean otherSize = partialSize >= 0 && partialSize != current.size();
    boolean tooLong = partial.length() > current.size();
    boolean othersBytes = !partial.checksPieces() && !mixSources && !Set.of(current.sourcePeerId()).containsAll(contributors);
    partialSize = current.size();
    if (otherSize) {
      // A piece list is for one size: this source's needs a list of its own.
      partial.forgetPieces();
      listSource = null;
    }
    if (otherSize || tooLong || othersBytes) {
      return discardPartial();
    }
    return Future.succeededFuture();
  }

  /**
   * Asks the source for its piece list, once per source, until one gives a list that fits: from
   * then on every piece is checked as it arrives (a wrong one costs that piece, not the file, and
   * blames the source that sent it), and the bytes already held are kept up to the first piece
   * that does not match. A file of one piece needs no list: its piece is the file.
   */
  private Future<Void> learnPieces(Lease current) {
    if (partial.checksPieces() || PieceLayout.of(current.size()).count() <= 1 || !askedForPieces.add(current.sourcePeerId())) {
      return Future.succeededFuture();
    }
    return SourceRequest.pieces(owner.vertx, owner.http, current.sourceAddress(), sha256, current.size())
        .compose(list -> {
          if (list.isEmpty()) {
            return Future.succeededFuture();
          }
          listSource = current.sourcePeerId();
          contributors.clear();
          return partial.usePieces(list.get());
        });
  }

  /** Brings the partial file up to the source's size from that source. */
  private Future<Void> fetch(Lease current, Source source) {
    long offset = partial.length();
    if (offset == size) {
      return Future.succeededFuture();
    }
    return SourceRequest.to(owner.vertx, current.sourceAddress(), sha256, offset)
        .compose(owner.http::request)
        .compose(sent -> {
          request = sent;
          watch = new SourceWatch(owner.settings.patience(), System.nanoTime());
          if (cancelled) {
            sent.reset();
          }
          return sent.send();
        })
        .compose(response -> receive(response, offset, source))
        .compose(done -> partial.length() == size ? Future.succeededFuture()
            : Future.failedFuture(new SourceFailure(FailureReason.CONNECTION_LOST,
                "the connection ended after " + partial.length() + " of " + size + " bytes")));
  }

  /** Writes the body into the partial file when {@link SourceRequest#refusal} finds nothing wrong with it. */
  private Future<Void> receive(HttpClientResponse response, long offset, Source source) {
    Optional<SourceFailure> refusal = SourceRequest.refusal(response, offset, size);
    if (refusal.isPresent()) {
      response.pause();
      return Future.failedFuture(refusal.get());
    }
    boolean whole = response.statusCode() == 200;
    if (whole) {
      contributors.clear();
    }
    return partial.receive(response, whole, size, bytes -> {
      source.bytes += bytes;
      contributors.add(source.peerId);
    });
  }

  /**
   * Checks the whole file against its SHA-256. A source is blamed for a mismatch only when every
   * byte came from it; when several sources (or an earlier run) contributed, the bytes are
   * dropped without blaming anyone, and from then on each source must deliver the whole file on
   * its own, so the next mismatch names the culprit.
   */
  private Future<Void> verify(Lease current) {
    state = State.VERIFYING;
    if (partial.matches(sha256)) {
      return Future.succeededFuture();
    }
    if (partial.checksPieces()) {
      return wrongPieceList(current);
    }
    boolean soleSender = Set.of(current.sourcePeerId()).containsAll(contributors);
    if (!soleSender) {
      mixSources = false;
    }
    return discardPartial().compose(discarded -> Future.failedFuture(soleSender
        ? new SourceFailure(FailureReason.CORRUPT, "its data did not match the SHA-256")
        : new SourceFailure(FailureReason.INCONCLUSIVE, "the data of several sources did not match the SHA-256")));
  }

  /**
   * Every piece matched the list, yet the file does not match its SHA-256: the list lied. Its
   * source is blamed and never asked again, everything it alone vouched for (every byte) goes,
   * and the next source's list is asked for; from then on each source delivers the whole file.
   */
  private Future<Void> wrongPieceList(Lease current) {
    String liar = listSource;
    partial.forgetPieces();
    listSource = null;
    mixSources = false;
    boolean fromThisSource = current.sourcePeerId().equals(liar);
    if (!fromThisSource && liar != null) {
      choice.lied(liar);
      LOG.warn("the piece list {} gave for {} does not add up to its SHA-256", liar, name);
    }
    return discardPartial().compose(discarded -> Future.failedFuture(fromThisSource
        ? new SourceFailure(FailureReason.CORRUPT, "its piece list did not add up to the SHA-256")
        : new SourceFailure(FailureReason.INCONCLUSIVE, "another holder's piece list did not add up to the SHA-256")));
  }

  private Future<Void> save(Lease current) {
    return owner.vertx.executeBlocking(() -> TargetFolder.place(partial.path(), owner.settings.targetDir(), name, sha256, size))
        .recover(e -> Future.failedFuture(new PartialFile.DiskFailure(owner.settings.targetDir().resolve(name), e)))
        .compose(target -> owner.here(owner.verified.adopt(target, sha256, partial.pieces())).map(target))
        .compose(target -> {
          savedAs = target;
          // Done means the tracker knows: a failed report is only logged, as the file list sync covers it.
          return owner.call(peer -> owner.tracker.reportComplete(peer, current.transferId()))
              .recover(e -> {
                LOG.warn("could not report {} complete: {}", name, e.getMessage());
                return Future.succeededFuture();
              });
        })
        .onSuccess(reported -> {
          LOG.info("downloaded {} ({} bytes) into {}", name, size, savedAs);
          finish(State.DONE, null);
        })
        .mapEmpty();
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
  private void recover(Lease current, Source source, Throwable failure) {
    if (cancelled) {
      finishCancelled(current);
      return;
    }
    HttpClientRequest broken = request;
    request = null;
    if (broken != null) {
      broken.reset();
    }
    if (failure instanceof PartialFile.DiskFailure disk) {
      endForDisk(current, disk);
      return;
    }
    FailureReason reason = classify(failure);
    LOG.warn("downloading {} from {} failed ({}): {}", name, source.name, reason.code(), failure.getMessage());
    reportFailed(current, reason);
    choice.failed(source.peerId, source.name, reason);
    Future<Void> cleanup = reason != FailureReason.OVERSIZED ? Future.succeededFuture()
        : partial.checksPieces() ? partial.dropUnverifiedTail() : discardPartial();
    cleanup.onComplete(done -> askForAnotherSource());
  }

  private FailureReason classify(Throwable failure) {
    if (stopping != null) {
      return stopping == SourceWatch.Verdict.TOO_SLOW ? FailureReason.TOO_SLOW : FailureReason.STALLED;
    }
    if (failure instanceof SourceFailure sourceFailure) {
      return sourceFailure.reason();
    }
    if (failure instanceof ConnectException || failure instanceof ConnectTimeoutException) {
      return FailureReason.UNREACHABLE;
    }
    return FailureReason.CONNECTION_LOST;
  }

  private void endForDisk(Lease current, PartialFile.DiskFailure disk) {
    LOG.warn("downloading {} stopped: {}", name, disk.getMessage());
    reportFailed(current, FailureReason.DOWNLOADER_ERROR);
    finish(State.FAILED, "The download of " + name + " stopped: " + disk.sentence() + ".");
  }

  private void askForAnotherSource() {
    owner.call(peer -> owner.tracker.startTransfer(peer, sha256, choice.excluded()))
        .onSuccess(this::attempt)
        .onFailure(e -> {
          boolean nobodyElse = e instanceof ApiError apiError && "not_available".equals(apiError.code());
          if (nobodyElse && choice.startSecondRound()) {
            owner.vertx.setTimer(SECOND_ROUND_DELAY_MILLIS, id -> askForAnotherSource());
            return;
          }
          finish(State.FAILED, nobodyElse
              ? "Every peer holding " + name + " failed. " + choice.summary()
              : "No other source for " + name + " could be found: " + e.getMessage());
        });
  }

  private void reportFailed(Lease current, FailureReason reason) {
    owner.call(peer -> owner.tracker.reportFailed(peer, current.transferId(), reason))
        .onFailure(e -> LOG.debug("could not report a failed transfer: {}", e.getMessage()));
  }

  private void finishCancelled(Lease current) {
    reportFailed(current, FailureReason.CANCELLED);
    finish(State.CANCELLED, null);
  }

  /**
   * Ends the download: removes its partial file and record (unless the node is going down and
   * keeps them for its next start), then shows the end state, so that whoever sees it finished
   * finds nothing left behind.
   */
  private void finish(State end, String message) {
    owner.vertx.cancelTimer(tickerId);
    speed = 0;
    Future<Void> cleanup = Future.succeededFuture();
    if (!keepForNextStart) {
      cleanup = (end != State.DONE && partial != null ? discardPartial() : Future.<Void>succeededFuture())
          .compose(discarded -> owner.vertx.<Void>executeBlocking(() -> {
            owner.unfinished.forget(sha256);
            return null;
          }));
    }
    cleanup.onComplete(done -> {
      if (done.failed()) {
        LOG.warn("could not remove what is left of {}: {}", name, done.cause().getMessage());
      }
      error = message;
      state = end;
      publish(end == State.DONE ? PeerEvents.DOWNLOAD_DONE
          : end == State.FAILED ? PeerEvents.DOWNLOAD_FAILED : PeerEvents.DOWNLOAD_PROGRESS);
      finished.tryComplete(this);
    });
  }

  /** Four times a second: the speed, a progress event when bytes moved, stalls, and once a second the tracker. */
  private void tick() {
    long bytes = bytes();
    watchPace();
    speed = (speed + (bytes - lastTickBytes) * 1000 / TICK_MILLIS) / 2;
    lastTickBytes = bytes;
    if (bytes != lastPublishedBytes) {
      lastPublishedBytes = bytes;
      publish(PeerEvents.DOWNLOAD_PROGRESS);
    }
    Lease current = lease;
    if (++ticks % TICKS_PER_TRACKER_REPORT == 0 && current != null && state == State.RUNNING) {
      long fromSource = sources.isEmpty() ? 0 : sources.get(sources.size() - 1).bytes;
      owner.call(peer -> owner.tracker.reportProgress(peer, current.transferId(), Math.min(fromSource, size)))
          .onFailure(e -> LOG.debug("could not report progress: {}", e.getMessage()));
    }
  }

  /**
   * Breaks off the current request once its source has gone silent or crawled for too long (see
   * {@link SourceWatch}); the failure that follows is told as a stall or as too slow.
   */
  private void watchPace() {
    if (request == null || watch == null || state != State.RUNNING || partial == null || stopping != null) {
      return;
    }
    Source source = sources.get(sources.size() - 1);
    SourceWatch.Verdict verdict = watch.observe(System.nanoTime(), source.bytes, partial.waitingForDisk());
    if (verdict != SourceWatch.Verdict.FINE) {
      stopping = verdict;
      request.reset(0, new TimeoutException(verdict.name()));
    }
  }

  private void publish(String event) {
    owner.vertx.eventBus().publish(PeerEvents.ADDRESS, status().toJson().put("event", event));
  }
}
