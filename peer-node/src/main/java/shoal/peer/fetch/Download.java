package shoal.peer.fetch;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import shoal.common.http.ApiError;
import shoal.common.transfer.FailureReason;
import shoal.peer.PeerEvents;
import shoal.peer.metrics.PeerMetrics;
import shoal.peer.tracker.HolderWatch;
import shoal.peer.tracker.TrackerClient;
import shoal.peer.tracker.TrackerClient.Lease;

/**
 * One file on its way here, on the downloads' context: its life from the tracker's first lease (or
 * from waiting for one, while nobody offers the file) to the verified file in the target folder.
 * The bytes are brought by a {@link Fetch} — in pieces
 * from several holders when the first holder that answers lists the file's pieces, else as one
 * stream ({@link FirstSource} finds that holder) — and this class keeps what both share: the
 * record that lets the download outlive the node, the sources used and what each gave, progress
 * events four times a second, the final rename into the target folder in one step, and the end
 * state, shown only once nothing is left behind.
 */
final class Download {

  private static final Logger LOG = LoggerFactory.getLogger(Download.class);
  static final long TICK_MILLIS = 250;
  private static final int TICKS_PER_TRACKER_REPORT = 4;
  /** Pause before giving the holders that broke off one more chance. */
  private static final long SECOND_ROUND_DELAY_MILLIS = 1_000;
  /**
   * A tracker that is rate-limiting, overloaded or out of reach is asked again this often, this
   * many times in a row (about a minute), before a download with no source left gives up.
   */
  private static final long TRACKER_RETRY_MILLIS = 2_000;
  private static final int MOST_TRACKER_RETRIES = 30;

  /** What a download is doing; {@code json()} is the contract's name. */
  enum State {
    WAITING, QUEUED, RUNNING, VERIFYING, DONE, FAILED, CANCELLED;

    String json() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  final Downloads owner;
  private final String id = UUID.randomUUID().toString();
  /** Null while waiting for a file asked for by name. */
  private String sha256;
  /** Null while waiting for a file asked for by SHA-256. */
  private String name;
  private long size;
  private final List<SourceTally> sources = new ArrayList<>();
  private final SourceChoice choice = new SourceChoice();
  private final Promise<Download> finished = Promise.promise();
  private State state;
  private String error;
  private long speed;
  private Path savedAs;
  private boolean cancelled;
  /** Whether this download waits for a file by name, and its wait is recorded for the node's next start. */
  private boolean waitRecordedByName;
  /** Times in a row the tracker could not be asked for another lease. */
  private int trackerRetries;
  /** Set when the node is going down: the partial data and its record stay for the next start. */
  private boolean keepForNextStart;
  /**
   * Whether this download has the record that lets it outlive the node written, and so removes it
   * when it ends. Blocking tasks of one context run in order, so a removal never overtakes the write.
   */
  private boolean recorded;
  private HolderWatch.Wait<Lease> waitingFor;
  private FirstSource firstSource;
  private Fetch fetch;
  private long tickerId = -1;
  private long lastTickBytes;
  private long ticks;
  private long lastPublishedBytes = -1;

  /** A download whose first source is {@code first}; {@link #start} it. */
  Download(Downloads owner, Lease first) {
    this(owner, first.sha256(), first.name(), first.size(), State.QUEUED);
  }

  /** A download of a file nobody offers yet; {@link #await} a holder. */
  Download(Downloads owner, WantedFile wanted) {
    this(owner, wanted.sha256(), wanted.name(), 0, State.WAITING);
  }

  private Download(Downloads owner, String sha256, String name, long size, State state) {
    this.owner = owner;
    this.sha256 = sha256;
    this.name = name;
    this.size = size;
    this.state = state;
  }

  String id() {
    return id;
  }

  String sha256() {
    return sha256;
  }

  String name() {
    return name;
  }

  /** The node's series, for what the fetch finds wrong with the data. */
  PeerMetrics metrics() {
    return owner.metrics;
  }

  SourceChoice choice() {
    return choice;
  }

  boolean isCancelled() {
    return cancelled;
  }

  boolean isWaiting() {
    return state == State.WAITING && !cancelled;
  }

  boolean isFinished() {
    return state == State.DONE || state == State.FAILED || state == State.CANCELLED;
  }

  /** Completes (never fails) once the download is done, failed or cancelled. */
  Future<Download> finished() {
    return finished.future();
  }

  /** Stops the download and removes its partial data; false when it had already finished. */
  boolean cancel() {
    if (isFinished()) {
      return false;
    }
    cancelled = true;
    if (waitingFor != null) {
      waitingFor.cancel();
    }
    if (fetch != null) {
      fetch.stop();
    }
    return true;
  }

  /**
   * Stops the download but keeps its partial data and its record, for the node's next start to
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
    List<JsonObject> used = sources.stream().map(SourceTally::toJson).toList();
    return new DownloadStatus(id, sha256, name, size, bytes(), state.json(), speed, used, error, savedAs);
  }

  private long bytes() {
    return state == State.DONE ? size : fetch == null ? 0 : fetch.bytes();
  }

  /** A source the fetch starts using, listed in the status from now on; the size shown is the one it declares. */
  SourceTally used(Lease lease) {
    size = lease.size();
    SourceTally tally = new SourceTally(lease.sourcePeerId(), lease.sourceName(), owner.metrics::downloaded);
    sources.add(tally);
    return tally;
  }

  /** Marks the download as checking the whole file. */
  void verifying() {
    state = State.VERIFYING;
  }

  /**
   * Another lease from the tracker, excluding the holders that failed or lied and {@code busy},
   * those in use; {@code pieces} when the fetch takes verified pieces, so that a holder with only
   * some of them may be given.
   */
  Future<Lease> anotherLease(Set<String> busy, boolean pieces) {
    Set<String> excluded = new HashSet<>(choice.excluded());
    excluded.addAll(busy);
    return owner.call(peer -> owner.tracker.startTransfer(peer, sha256, excluded, pieces))
        .onSuccess(lease -> trackerRetries = 0);
  }

  /**
   * The tracker gave no other holder ({@code failure}) and the fetch has no source left. When the
   * tracker could not answer (429, 5xx, out of reach), runs {@code again} a little later, for about
   * a minute; when it had nobody else ({@code not_available}) and {@link SourceChoice} allows a
   * second round, runs {@code again} after a pause. Answers whether it did; if not, the fetch ends
   * with {@link #gaveUp}.
   */
  boolean secondChance(Throwable failure, Runnable again) {
    if (TrackerClient.couldNotAnswer(failure) || !(failure instanceof ApiError)) {
      if (trackerRetries++ >= MOST_TRACKER_RETRIES) {
        return false;
      }
      owner.vertx.setTimer(TRACKER_RETRY_MILLIS, fired -> again.run());
      return true;
    }
    if (!TrackerClient.notAvailable(failure) || !choice.startSecondRound()) {
      return false;
    }
    owner.vertx.setTimer(SECOND_ROUND_DELAY_MILLIS, fired -> again.run());
    return true;
  }

  /** How a download ends when no source is left: what every holder did, or why none could be had. */
  Fetch.GaveUp gaveUp(Throwable failure) {
    return new Fetch.GaveUp(TrackerClient.notAvailable(failure) ? "Every peer holding " + name + " failed. " + choice.summary()
        : "No other source for " + name + " could be found: " + failure.getMessage());
  }

  /**
   * {@code lease}'s holder could not give its piece list ({@link SourceRequest#pieces} failed): it
   * failed as a source, reported and left out like one that failed mid-file.
   */
  void listFailed(Lease lease, Throwable failure) {
    FailureReason reason = SourceFailure.reasonFor(failure, null);
    LOG.warn("{} gave no piece list of {} ({}): {}", lease.sourceName(), name, reason.code(), failure.getMessage());
    sourceFailed(lease, reason);
  }

  /** {@code lease}'s holder failed as a source for {@code reason}: reported to the tracker, and not asked again. */
  void sourceFailed(Lease lease, FailureReason reason) {
    reportFailed(lease, reason);
    choice.failed(lease.sourcePeerId(), lease.sourceName(), reason);
  }

  /** Tells the tracker that {@code lease}'s transfer failed; a reason that blames the source is counted as such. */
  void reportFailed(Lease lease, FailureReason reason) {
    if (reason.blamesSource()) {
      owner.metrics.sourceBlamed(reason);
    }
    owner.call(peer -> owner.tracker.reportFailed(peer, lease.transferId(), reason))
        .onFailure(e -> LOG.debug("could not report a failed transfer: {}", e.getMessage()));
  }

  void reportProgress(Lease lease, long bytes) {
    owner.call(peer -> owner.tracker.reportProgress(peer, lease.transferId(), Math.min(bytes, lease.size())))
        .onFailure(e -> LOG.debug("could not report progress: {}", e.getMessage()));
  }

  /**
   * Waits, in state {@code waiting}, until {@code wait} gives a lease, and then starts from it. The
   * wait is recorded first when {@code record} (by SHA-256, or by name), so that a node started
   * again waits for it again.
   */
  void await(HolderWatch.Wait<Lease> wait, boolean record) {
    waitingFor = wait;
    if (record) {
      String waitedFor = sha256 != null ? sha256 : name;
      Future<Void> written;
      if (sha256 != null) {
        recorded = true;
        written = onWorker(() -> owner.unfinished.remember(waitedFor, null, 0));
      } else {
        waitRecordedByName = true;
        written = onWorker(() -> owner.unfinished.rememberWait(waitedFor));
      }
      written.onFailure(e -> LOG.warn("could not record the wait for {}: {}", waitedFor, e.getMessage()));
    }
    publish(PeerEvents.DOWNLOAD_PROGRESS);
    wait.result().onSuccess(this::holderAppeared).onFailure(this::ended);
  }

  /** A wait recorded by name is over: from here on the download is recorded by its SHA-256, if at all. */
  private Future<Void> forgetWaitByName() {
    if (!waitRecordedByName) {
      return Future.succeededFuture();
    }
    waitRecordedByName = false;
    String waitedFor = name;
    return onWorker(() -> owner.unfinished.forgetWait(waitedFor));
  }

  /** A write or removal of this download's records: file I/O, run on a worker, never on the node's context. */
  private Future<Void> onWorker(UnfinishedDownloads.Io io) {
    return owner.vertx.executeBlocking(() -> {
      io.run();
      return null;
    });
  }

  private void holderAppeared(Lease lease) {
    waitingFor = null;
    forgetWaitByName().onFailure(e -> LOG.warn("could not remove the record of the wait for {}: {}", name, e.getMessage()));
    if (cancelled) {
      reportFailed(lease, FailureReason.CANCELLED);
      finish(State.CANCELLED, null);
      return;
    }
    if (owner.underWay(lease.sha256(), this).isPresent()) {
      // Asked for by name, it turned out to be a file this node is downloading already: the
      // record of that file, if any, is the other download's to keep.
      recorded = false;
      reportFailed(lease, FailureReason.CANCELLED);
      finish(State.FAILED, lease.name() + " is being downloaded already.");
      return;
    }
    sha256 = lease.sha256();
    name = lease.name();
    size = lease.size();
    state = State.QUEUED;
    LOG.info("a holder of {} appeared: downloading it", name);
    start(lease);
    publish(PeerEvents.DOWNLOAD_PROGRESS);
  }

  void start(Lease first) {
    tickerId = owner.vertx.setPeriodic(TICK_MILLIS, id -> tick());
    firstSource = new FirstSource(this, first);
    recorded = true;
    onWorker(() -> owner.unfinished.remember(sha256, name, first.size()))
        .recover(e -> Future.failedFuture(new PartialFile.DiskFailure(owner.settings.partialDir(), e)))
        .compose(recorded -> firstSource.find())
        .compose(found -> {
          if (cancelled) {
            return Future.failedFuture(new Fetch.Stopped());
          }
          state = State.RUNNING;
          fetch = found.list().isPresent() ? new PieceFetch(this, found.lease(), found.list().get())
              : new StreamFetch(this, found.lease());
          return fetch.run();
        })
        .compose(this::save)
        .onSuccess(saved -> finish(State.DONE, null))
        .onFailure(this::ended);
  }

  private Future<Void> save(Fetch.Fetched fetched) {
    state = State.VERIFYING;
    return owner.vertx.executeBlocking(() -> TargetFolder.place(fetched.partial(), owner.settings.targetDir(), name, sha256, size))
        .recover(e -> Future.failedFuture(new PartialFile.DiskFailure(owner.settings.targetDir().resolve(name), e)))
        .compose(target -> owner.here(owner.verified.adopt(target, sha256, fetched.pieces())).map(target))
        .compose(target -> {
          savedAs = target;
          // Done means the tracker knows: a failed report is only logged, as the file list sync covers it.
          List<Future<Void>> reports = fetched.complete().stream()
              .map(supplied -> owner.call(peer -> owner.tracker.reportComplete(peer, supplied.lease().transferId(),
                      Math.min(supplied.bytes(), supplied.lease().size())))
                  .recover(e -> {
                    LOG.warn("could not report {} complete: {}", name, e.getMessage());
                    return Future.<Void>succeededFuture();
                  }))
              .toList();
          return Future.join(reports).<Void>mapEmpty();
        })
        .onSuccess(reported -> LOG.info("downloaded {} ({} bytes) into {}", name, size, savedAs));
  }

  /** The fetch ended without a file: stopped, given up, or this node's disk failed. */
  private void ended(Throwable failure) {
    if (fetch == null && firstSource != null) {
      // Nothing was fetched yet: the lease of the holder being asked for its list is still open at the tracker.
      firstSource.open().ifPresent(open ->
          reportFailed(open, cancelled ? FailureReason.CANCELLED : FailureReason.DOWNLOADER_ERROR));
    }
    if (cancelled || failure instanceof Fetch.Stopped || failure instanceof HolderWatch.Cancelled) {
      finish(State.CANCELLED, null);
    } else if (failure instanceof PartialFile.DiskFailure disk) {
      LOG.warn("downloading {} stopped: {}", name, disk.getMessage());
      finish(State.FAILED, "The download of " + name + " stopped: " + disk.sentence() + ".");
    } else if (failure instanceof Fetch.GaveUp gaveUp) {
      finish(State.FAILED, gaveUp.getMessage());
    } else if (state == State.WAITING) {
      finish(State.FAILED, failure.getMessage());
    } else {
      LOG.warn("downloading {} failed", name, failure);
      finish(State.FAILED, "The download of " + name + " failed: " + failure.getMessage());
    }
  }

  /**
   * Ends the download: removes its partial data and record (unless the node is going down and
   * keeps them for its next start), then shows the end state, so that whoever sees it finished
   * finds nothing left behind.
   */
  private void finish(State end, String message) {
    owner.vertx.cancelTimer(tickerId);
    speed = 0;
    sources.forEach(SourceTally::stopped);
    Future<Void> cleanup = fetch == null ? Future.succeededFuture() : fetch.release(keepForNextStart && end != State.DONE);
    if (!keepForNextStart) {
      cleanup = cleanup.eventually(this::forgetWaitByName);
    }
    if (recorded && (!keepForNextStart || end == State.DONE)) {
      boolean dataLeftBehind = fetch == null;
      cleanup = cleanup.eventually(() -> onWorker(() -> {
        if (dataLeftBehind) {
          owner.unfinished.forgetWithData(sha256);
        } else {
          owner.unfinished.forget(sha256);
        }
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

  /** Four times a second: the speed, the sources' rates and pace, and a progress event when bytes moved. */
  private void tick() {
    boolean reportProgress = ++ticks % TICKS_PER_TRACKER_REPORT == 0 && state == State.RUNNING;
    if (fetch != null) {
      fetch.tick(reportProgress);
    }
    sources.forEach(source -> source.tick(TICK_MILLIS));
    long bytes = bytes();
    speed = (speed + Math.max(0, bytes - lastTickBytes) * 1000 / TICK_MILLIS) / 2;
    lastTickBytes = bytes;
    if (bytes != lastPublishedBytes) {
      lastPublishedBytes = bytes;
      publish(PeerEvents.DOWNLOAD_PROGRESS);
    }
  }

  private void publish(String event) {
    owner.vertx.eventBus().publish(PeerEvents.ADDRESS, status().toJson().put("event", event));
  }
}
