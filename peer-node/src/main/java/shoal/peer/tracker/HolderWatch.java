package shoal.peer.tracker;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Waits for files that nobody offers yet: each wait repeats its attempt (asking the tracker for a
 * transfer, say) whenever the tracker's event stream tells of a change that could mean the file
 * appeared — a peer joined, a peer's file list changed, a downloader announced verified pieces of
 * that very file — until the attempt answers anything but "not there yet". The stream is followed
 * only while a wait is pending. A slow safety re-check covers events lost to a dropped stream, and
 * every reconnect re-checks too. A busy network does not turn into a flood of requests: events
 * are gathered for a moment, each wait has at most one attempt in flight, and attempts are spaced
 * so that all waits together ask about four times a second at most, well inside the tracker's
 * per-address limit on transfer starts that the node's running downloads share. Used on the
 * node's context.
 */
public final class HolderWatch {

  /** Changes after which a file nobody held may be held, whichever file it is. */
  private static final Set<String> HINTS = Set.of("peer.joined", "files.changed");
  /** A downloader announced verified pieces: a hint only for waits on that file. */
  private static final String PIECES_HINT = "partial.updated";
  private static final long GATHER_MILLIS = 200;
  /** The least time between two attempts of one wait, and the share each further wait adds to it. */
  private static final long LEAST_SPACING_MILLIS = 1_000;
  private static final long SPACING_PER_WAIT_MILLIS = 250;
  static final Duration SAFETY_RECHECK = Duration.ofSeconds(30);

  /** Thrown into a wait's result when it was cancelled before an attempt succeeded. */
  public static final class Cancelled extends Exception {
    Cancelled() {
      super("cancelled", null, false, false);
    }
  }

  /** One pending wait. */
  public interface Wait<T> {

    /**
     * The first answer of the attempt that is not "not there yet"; fails with the attempt's own
     * failure, or {@link Cancelled}. An attempt already under way when the wait is cancelled may
     * still succeed: its caller then releases what it got.
     */
    Future<T> result();

    /** Stops asking. */
    void cancel();
  }

  private final Vertx vertx;
  private final TrackerEventStream stream;
  private final Duration safetyRecheck;
  private final Set<Waiter<?>> waiters = new LinkedHashSet<>();
  private long safetyTimer = -1;
  private long gatherTimer = -1;

  public HolderWatch(Vertx vertx, String trackerUrl) {
    this(vertx, trackerUrl, SAFETY_RECHECK);
  }

  HolderWatch(Vertx vertx, String trackerUrl, Duration safetyRecheck) {
    this.vertx = vertx;
    this.safetyRecheck = safetyRecheck;
    this.stream = new TrackerEventStream(vertx, trackerUrl, this::event, this::recheckAll);
  }

  /**
   * Whether {@code failure} means "not there yet, keep waiting": the tracker's
   * {@code not_available}, or a tracker that is out of reach, overloaded or rate-limiting. Any
   * other failure (a bad request, a name several files share) ends a wait.
   */
  public static boolean notThereYet(Throwable failure) {
    return TrackerClient.notAvailable(failure) || TrackerClient.couldNotAnswer(failure);
  }

  /**
   * Repeats {@code attempt} until it answers anything but {@link #notThereYet}. The first attempt
   * comes with the first change the stream tells of, or once the stream is listening: the caller
   * has just been told "not yet", and a holder appearing in between is not missed.
   */
  public <T> Wait<T> await(Supplier<Future<T>> attempt) {
    return await(attempt, event -> true);
  }

  /**
   * As {@link #await(Supplier)}, where {@code concerns} tells whether a {@code partial.updated}
   * event (its {@code sha256} and {@code name}) is about the file waited for.
   */
  public <T> Wait<T> await(Supplier<Future<T>> attempt, Predicate<JsonObject> concerns) {
    Waiter<T> waiter = new Waiter<>(attempt, concerns);
    waiters.add(waiter);
    if (waiters.size() == 1) {
      stream.open();
      safetyTimer = vertx.setPeriodic(safetyRecheck.toMillis(), id -> recheckAll());
    } else {
      // The stream is listening already: a holder that came between the caller's "not yet" and
      // now told of itself before this wait listened, so it gets an attempt of its own.
      hint(waiter);
    }
    return waiter;
  }

  /** Ends every wait, as cancelled, and stops following the stream. */
  public void close() {
    List.copyOf(waiters).forEach(Waiter::cancel);
  }

  private void event(JsonObject event) {
    String type = event.getString("type");
    if (HINTS.contains(type)) {
      waiters.forEach(this::hint);
    } else if (PIECES_HINT.equals(type)) {
      waiters.stream().filter(waiter -> waiter.concerns.test(event)).forEach(this::hint);
    }
  }

  /** Marks {@code waiter} for the next gathered round of attempts. */
  private void hint(Waiter<?> waiter) {
    waiter.hinted = true;
    if (gatherTimer < 0) {
      gatherTimer = vertx.setTimer(GATHER_MILLIS, fired -> {
        gatherTimer = -1;
        for (Waiter<?> hinted : List.copyOf(waiters)) {
          if (hinted.hinted) {
            hinted.hinted = false;
            hinted.attempt();
          }
        }
      });
    }
  }

  private void recheckAll() {
    List.copyOf(waiters).forEach(Waiter::attempt);
  }

  /** How far apart one wait's attempts are: all waits together ask a few times a second at most. */
  private long spacingMillis() {
    return Math.max(LEAST_SPACING_MILLIS, waiters.size() * SPACING_PER_WAIT_MILLIS);
  }

  private void ended(Waiter<?> waiter) {
    if (waiters.remove(waiter) && waiters.isEmpty()) {
      stream.close();
      vertx.cancelTimer(safetyTimer);
      vertx.cancelTimer(gatherTimer);
      gatherTimer = -1;
    }
  }

  private final class Waiter<T> implements Wait<T> {

    private final Supplier<Future<T>> attempt;
    private final Predicate<JsonObject> concerns;
    private final Promise<T> result = Promise.promise();
    private boolean inFlight;
    /** A change came while an attempt was under way: that attempt may have been too early. */
    private boolean again;
    private boolean cancelled;
    /** An event concerned it since the last gathered round. */
    private boolean hinted;
    private long lastAttemptNanos = System.nanoTime() - Duration.ofDays(1).toNanos();
    /** The attempt put off to keep this wait's spacing, if one is. */
    private long spacingTimer = -1;

    Waiter(Supplier<Future<T>> attempt, Predicate<JsonObject> concerns) {
      this.attempt = attempt;
      this.concerns = concerns;
    }

    @Override
    public Future<T> result() {
      return result.future();
    }

    @Override
    public void cancel() {
      cancelled = true;
      vertx.cancelTimer(spacingTimer);
      ended(this);
      if (!inFlight) {
        result.tryFail(new Cancelled());
      }
    }

    void attempt() {
      if (cancelled || result.future().isComplete()) {
        return;
      }
      if (inFlight) {
        again = true;
        return;
      }
      long early = lastAttemptNanos + Duration.ofMillis(spacingMillis()).toNanos() - System.nanoTime();
      if (early > 0) {
        if (spacingTimer < 0) {
          spacingTimer = vertx.setTimer(Math.max(1, Duration.ofNanos(early).toMillis()), fired -> {
            spacingTimer = -1;
            attempt();
          });
        }
        return;
      }
      lastAttemptNanos = System.nanoTime();
      inFlight = true;
      again = false;
      Future<T> tried;
      try {
        tried = attempt.get();
      } catch (RuntimeException e) {
        tried = Future.failedFuture(e);
      }
      tried.onComplete(outcome -> {
        inFlight = false;
        if (outcome.succeeded()) {
          ended(this);
          result.tryComplete(outcome.result());
        } else if (cancelled) {
          result.tryFail(new Cancelled());
        } else if (!notThereYet(outcome.cause())) {
          ended(this);
          result.tryFail(outcome.cause());
        } else if (again) {
          attempt();
        }
      });
    }
  }
}
