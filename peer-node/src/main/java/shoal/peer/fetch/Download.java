package shoal.peer.fetch;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import shoal.common.http.ApiError;
import shoal.peer.PeerEvents;
import shoal.peer.share.Sha256;
import shoal.peer.tracker.TrackerClient.Lease;

/**
 * One file on its way here. Streams it from the source the tracker chose into a {@link PartialFile}
 * (hashing on the way), reports progress to the tracker about once a second, and when a source
 * breaks off, stalls or errs, reports that transfer failed, asks for another source excluding it
 * and resumes with a {@code Range} from the bytes already on disk. Data that does not hash to the
 * requested SHA-256 is thrown away and fetched again elsewhere. Verified, the file is renamed into
 * the target folder in one step and the last transfer is reported complete.
 *
 * <p>A source has stalled when no byte arrived for the stall timeout while this side was ready
 * for more. The HTTP client's own idle timeout cannot tell: it also runs while the download
 * itself holds the source back because the disk is behind (a slow disk, or a busy machine),
 * and then broke off healthy transfers.
 */
public final class Download {

  private static final Logger LOG = LoggerFactory.getLogger(Download.class);
  private static final long TICK_MILLIS = 250;
  private static final int TICKS_PER_TRACKER_REPORT = 4;
  /** Pause before giving the holders that broke off one more chance. */
  private static final long SECOND_ROUND_DELAY_MILLIS = 1_000;

  /** What a download is doing; {@code json()} is the contract's name. */
  public enum State {
    QUEUED, RUNNING, VERIFYING, DONE, FAILED, CANCELLED;

    String json() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** One source used, with the bytes it contributed. */
  private record Source(String peerId, String name, AtomicLong bytes) {}

  /** The source sent something other than the file: its bytes are discarded. */
  private static final class CorruptData extends Exception {
    CorruptData(String message) {
      super(message, null, false, false);
    }
  }

  private final Downloads owner;
  private final String id = UUID.randomUUID().toString();
  private final String sha256;
  private final String name;
  private final long size;
  private final List<Source> sources = new CopyOnWriteArrayList<>();
  private final Set<String> excluded = ConcurrentHashMap.newKeySet();
  /** Holders that sent wrong data: never asked again. */
  private final Set<String> corrupt = ConcurrentHashMap.newKeySet();
  /** Whether the holders that only broke off have had their second chance. */
  private volatile boolean secondRound;
  private final List<String> failures = new CopyOnWriteArrayList<>();
  private final Promise<Download> finished = Promise.promise();
  private volatile State state = State.QUEUED;
  private volatile String error;
  private volatile long speed;
  private volatile Path savedAs;
  private volatile boolean cancelled;
  private volatile HttpClientRequest request;
  /** Set when this side broke off a silent source, so the failure that follows is told as a stall. */
  private volatile boolean stalled;
  private volatile Lease lease;
  private PartialFile partial;
  private long tickerId = -1;
  private long lastTickBytes;
  private long ticks;
  private long lastPublishedBytes = -1;
  private HttpClientRequest watchedRequest;
  private long watchedBytes;
  private long quietSince;

  Download(Downloads owner, Lease first) {
    this.owner = owner;
    this.sha256 = first.sha256();
    this.name = first.name();
    this.size = first.size();
  }

  public String id() {
    return id;
  }

  public String sha256() {
    return sha256;
  }

  public String name() {
    return name;
  }

  public long size() {
    return size;
  }

  public State state() {
    return state;
  }

  /** Why it failed, as a sentence; null unless failed. */
  public String error() {
    return error;
  }

  /** Where the verified file was saved; null until done. */
  public Path savedAs() {
    return savedAs;
  }

  public long bytes() {
    PartialFile file = partial;
    return state == State.DONE ? size : file == null ? 0 : file.length();
  }

  public long speed() {
    return speed;
  }

  public boolean isFinished() {
    return state == State.DONE || state == State.FAILED || state == State.CANCELLED;
  }

  /** Completes (never fails) once the download is done, failed or cancelled. */
  public Future<Download> finished() {
    return finished.future();
  }

  /** Stops the download and removes its partial file; false when it had already finished. */
  public boolean cancel() {
    if (isFinished()) {
      return false;
    }
    cancelled = true;
    HttpClientRequest current = request;
    if (current != null) {
      current.reset();
    }
    return true;
  }

  /** The contract's download object. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("downloadId", id)
        .put("sha256", sha256)
        .put("name", name)
        .put("size", size)
        .put("bytes", bytes())
        .put("state", state.json())
        .put("speed", speed)
        .put("sources", new JsonArray(sources()))
        .put("error", error);
  }

  void start(Lease first) {
    tickerId = owner.vertx.setPeriodic(TICK_MILLIS, id -> tick());
    PartialFile.open(owner.vertx, owner.settings.partialDir(), sha256)
        .onSuccess(opened -> {
          partial = opened;
          attempt(first);
        })
        .onFailure(e -> {
          reportFailed(first, "the downloader cannot write: " + e.getMessage());
          finish(State.FAILED, "The download of " + name + " cannot be written to disk: " + e.getMessage());
        });
  }

  private void attempt(Lease current) {
    if (cancelled) {
      finishCancelled(current);
      return;
    }
    lease = current;
    stalled = false;
    Source source = new Source(current.sourcePeerId(), current.sourceName(), new AtomicLong());
    sources.add(source);
    state = State.RUNNING;
    fetch(current, source)
        .compose(done -> verifyAndSave(current))
        .onFailure(e -> recover(current, source, e));
  }

  /** Brings the partial file up to the full size from one source. */
  private Future<Void> fetch(Lease current, Source source) {
    long offset = partial.length();
    if (offset == size) {
      return Future.succeededFuture();
    }
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setAbsoluteURI(stripSlash(current.sourceAddress()) + "/files/" + sha256);
    if (offset > 0) {
      options.putHeader("Range", "bytes=" + offset + "-").putHeader("If-Range", "\"" + sha256 + "\"");
    }
    return owner.http.request(options)
        .compose(sent -> {
          request = sent;
          if (cancelled) {
            sent.reset();
          }
          return sent.send();
        })
        .compose(response -> receive(response, offset, source))
        .compose(done -> {
          if (partial.length() > size) {
            return Future.failedFuture(new CorruptData("it sent more than the file's " + size + " bytes"));
          }
          return partial.length() == size ? Future.succeededFuture()
              : Future.failedFuture(new IllegalStateException(
                  "the connection ended after " + partial.length() + " of " + size + " bytes"));
        });
  }

  private Future<Void> receive(HttpClientResponse response, long offset, Source source) {
    String contentRange = response.getHeader(HttpHeaders.CONTENT_RANGE);
    if (response.statusCode() == 206 && contentRange != null && contentRange.startsWith("bytes " + offset + "-")) {
      return partial.receive(response, false, source.bytes()::addAndGet);
    }
    if (response.statusCode() == 200) {
      return partial.receive(response, true, source.bytes()::addAndGet);
    }
    response.pause();
    return Future.failedFuture(new IllegalStateException("it answered HTTP " + response.statusCode()));
  }

  private Future<Void> verifyAndSave(Lease current) {
    state = State.VERIFYING;
    if (!partial.matches(sha256)) {
      return Future.failedFuture(new CorruptData("its data did not match the SHA-256"));
    }
    return owner.vertx.executeBlocking(this::moveIntoPlace)
        .compose(target -> owner.onVerified.apply(target, sha256).map(target))
        .compose(target -> {
          savedAs = target;
          // Done means the tracker knows: a failed report is only logged, as the file list sync covers it.
          return owner.session.call(peer -> owner.tracker.reportComplete(peer, current.transferId()))
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

  /** Renames the verified file into the target folder, next to any other file of that name. */
  private Path moveIntoPlace() throws Exception {
    Files.createDirectories(owner.settings.targetDir());
    String fileName = safeFileName(name, sha256);
    for (int copy = 1; ; copy++) {
      Path target = owner.settings.targetDir().resolve(copy == 1 ? fileName : numbered(fileName, copy));
      if (Files.isRegularFile(target) && Files.size(target) == size && Sha256.ofFile(target).equals(sha256)) {
        Files.delete(partial.path());
        return target;
      }
      try {
        return Files.move(partial.path(), target);
      } catch (FileAlreadyExistsException e) {
        // another file has this name: try the next number
      }
    }
  }

  /**
   * Reports the failed transfer, excludes its source and carries on with another. When no other
   * holder is left, the holders that only broke off (a closed connection, a stall, an error
   * status) get one more round, resuming from the bytes on disk: with a single holder, one dropped
   * connection should not end a download. Holders that sent wrong data are never asked again.
   */
  private void recover(Lease current, Source source, Throwable failure) {
    if (cancelled) {
      finishCancelled(current);
      return;
    }
    request = null;
    String reason = describe(failure);
    LOG.warn("downloading {} from {} failed: {}", name, source.name(), reason);
    failures.add(source.name() + " (" + reason + ")");
    reportFailed(current, reason);
    excluded.add(source.peerId());
    Future<Void> cleanup = Future.succeededFuture();
    if (failure instanceof CorruptData) {
      corrupt.add(source.peerId());
      cleanup = partial.discard();
    }
    cleanup.onComplete(done -> askForAnotherSource());
  }

  private void askForAnotherSource() {
    owner.session.call(peer -> owner.tracker.startTransfer(peer, sha256, excluded))
        .onSuccess(this::attempt)
        .onFailure(e -> {
          boolean nobodyElse = e instanceof ApiError apiError && "not_available".equals(apiError.code());
          if (nobodyElse && !secondRound && excluded.size() > corrupt.size()) {
            secondRound = true;
            excluded.retainAll(corrupt);
            owner.vertx.setTimer(SECOND_ROUND_DELAY_MILLIS, id -> askForAnotherSource());
            return;
          }
          finish(State.FAILED, nobodyElse
              ? "Every peer holding " + name + " failed: " + String.join("; ", failures) + "."
              : "No other source for " + name + " could be found: " + e.getMessage());
        });
  }

  private String describe(Throwable failure) {
    if (stalled || failure instanceof TimeoutException) {
      return "it sent nothing for " + owner.settings.patience().stallTimeout().toSeconds() + " s";
    }
    String message = failure.getMessage();
    return message == null ? failure.getClass().getSimpleName() : message;
  }

  private void reportFailed(Lease current, String reason) {
    owner.session.call(peer -> owner.tracker.reportFailed(peer, current.transferId(), reason))
        .onFailure(e -> LOG.debug("could not report a failed transfer: {}", e.getMessage()));
  }

  private void finishCancelled(Lease current) {
    reportFailed(current, "cancelled by the downloader");
    finish(State.CANCELLED, null);
  }

  private void finish(State end, String message) {
    owner.vertx.cancelTimer(tickerId);
    error = message;
    state = end;
    speed = 0;
    Future<Void> cleanup = end != State.DONE && partial != null ? partial.discard() : Future.succeededFuture();
    cleanup.onComplete(done -> {
      publish(end == State.DONE ? PeerEvents.DOWNLOAD_DONE
          : end == State.FAILED ? PeerEvents.DOWNLOAD_FAILED : PeerEvents.DOWNLOAD_PROGRESS);
      finished.tryComplete(this);
    });
  }

  /** Four times a second: the speed, a progress event when bytes moved, stalls, and once a second the tracker. */
  private void tick() {
    long bytes = bytes();
    watchForStall(bytes);
    speed = (speed + (bytes - lastTickBytes) * 1000 / TICK_MILLIS) / 2;
    lastTickBytes = bytes;
    if (bytes != lastPublishedBytes) {
      lastPublishedBytes = bytes;
      publish(PeerEvents.DOWNLOAD_PROGRESS);
    }
    Lease current = lease;
    if (++ticks % TICKS_PER_TRACKER_REPORT == 0 && current != null && state == State.RUNNING) {
      long fromSource = sources.isEmpty() ? 0 : sources.get(sources.size() - 1).bytes().get();
      owner.session.call(peer -> owner.tracker.reportProgress(peer, current.transferId(), Math.min(fromSource, size)))
          .onFailure(e -> LOG.debug("could not report progress: {}", e.getMessage()));
    }
  }

  /**
   * Breaks off the current request once its source has sent nothing for the stall timeout; time
   * spent waiting for the disk (the source paused by backpressure) does not count.
   */
  private void watchForStall(long bytes) {
    HttpClientRequest current = request;
    PartialFile file = partial;
    long now = System.nanoTime();
    if (current == null || current != watchedRequest || bytes != watchedBytes || state != State.RUNNING
        || file == null || file.waitingForDisk()) {
      watchedRequest = current;
      watchedBytes = bytes;
      quietSince = now;
    } else if (now - quietSince >= owner.settings.patience().stallTimeout().toNanos()) {
      stalled = true;
      watchedRequest = null;
      current.reset(0, new TimeoutException("no data for " + owner.settings.patience().stallTimeout().toMillis() + " ms"));
    }
  }

  private void publish(String event) {
    owner.vertx.eventBus().publish(PeerEvents.ADDRESS, toJson().put("event", event));
  }

  /** The name to save as: its last path segment, without control characters, never hidden. */
  static String safeFileName(String name, String sha256) {
    String base = name == null ? "" : name.replace('\\', '/');
    base = base.substring(base.lastIndexOf('/') + 1).chars()
        .filter(c -> !Character.isISOControl(c))
        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
        .toString().trim();
    while (base.startsWith(".")) {
      base = base.substring(1);
    }
    return base.isEmpty() ? sha256 : base;
  }

  private static String numbered(String fileName, int copy) {
    int dot = fileName.lastIndexOf('.');
    return dot > 0 ? fileName.substring(0, dot) + " (" + copy + ")" + fileName.substring(dot)
        : fileName + " (" + copy + ")";
  }

  private static String stripSlash(String address) {
    return address.endsWith("/") ? address.substring(0, address.length() - 1) : address;
  }

  /** The sources used, in that order, with the bytes each sent: {@code [{"peerId","bytes"}]}. */
  public List<JsonObject> sources() {
    List<JsonObject> list = new ArrayList<>();
    sources.forEach(source -> list.add(new JsonObject().put("peerId", source.peerId()).put("bytes", source.bytes().get())));
    return list;
  }
}
