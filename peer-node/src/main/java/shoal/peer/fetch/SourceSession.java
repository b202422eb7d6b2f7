package shoal.peer.fetch;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeoutException;
import shoal.common.transfer.FailureReason;
import shoal.peer.metrics.PeerMetrics;
import shoal.peer.share.PieceLayout;
import shoal.peer.tracker.TrackerClient.Lease;

/**
 * One holder a piece download fetches from: one piece at a time, each a {@code Range} request
 * of its own, as long as {@link PieceFetch} has pieces for it; two at a time while it is the
 * download's only holder and has never been busy, so that the next request is answered while the
 * last body still streams and no round trip is lost between pieces. With several holders the
 * others fill that gap, and a holder many downloaders want (a seed in a crowd) has each take one
 * of its upload slots, not two. A busy holder is asked again after a pause; a holder with only
 * some pieces is asked for its list again when it has none left to give. It watches the holder's
 * pace (see {@link SourceWatch}) and tells {@link PieceFetch} how each piece came out; any other
 * failure ends the session, and its pieces go back to the others. The holder's address is
 * resolved and checked once, and every request connects to that address. Lives on the
 * download's context.
 */
final class SourceSession {

  /** Pieces asked of a download's only holder at once. */
  static final int ALONE_DEPTH = 2;
  /** "Busy" answers in a row, each after a pause, after which a holder is given up: about half a minute. */
  private static final int MOST_BUSY_ANSWERS = 15;

  final Lease lease;
  final SourceTally tally;
  private final PieceFetch fetch;
  private final List<PieceRequest> inFlight = new ArrayList<>();
  private Future<RequestOptions> whole;
  private SourceWatch watch;
  /** Set when this side broke the requests off for the source's pace, so the failure is told as such. */
  private SourceWatch.Verdict stopping;
  private boolean ended;
  /** Whether the holder has only some pieces (it is downloading the file too), as its list last said. */
  private boolean partial;
  private boolean listAsked;
  private long listAskedAt;
  private boolean pausing;
  private int busyAnswers;
  /** Set once the holder answered "busy": from then on one piece at a time, so a crowd shares its slots. */
  private boolean contended;
  /** When the session last had neither a piece under way nor one to take; 0 while it has. */
  private long idleSince;
  /**
   * Pieces received whose hash is still being checked. Until one of the holder's pieces has matched
   * ({@link #proven}), they count against its depth: a holder sending wrong bytes at socket speed
   * would otherwise be handed piece after piece before the first verdict, the whole file in the end.
   */
  private int judging;
  private boolean proven;

  /** One piece asked of the holder. */
  private static final class PieceRequest {
    final int piece;
    final boolean spare;
    HttpClientRequest request;
    PieceWriter writer;
    /** Set when another source verified the piece first and this side broke the request off. */
    boolean losing;

    PieceRequest(int piece, boolean spare) {
      this.piece = piece;
      this.spare = spare;
    }

    void reset(Throwable cause) {
      if (request != null) {
        request.reset(0, cause);
      }
    }
  }

  /** @param partial whether the holder has only some pieces */
  SourceSession(PieceFetch fetch, Lease lease, SourceTally tally, boolean partial) {
    this.fetch = fetch;
    this.lease = lease;
    this.tally = tally;
    this.partial = partial;
    this.listAskedAt = System.nanoTime();
  }

  String peerId() {
    return lease.sourcePeerId();
  }

  /** Whether the session waits for work: nothing was left for it when it last asked. */
  boolean idle() {
    return !ended && inFlight.isEmpty();
  }

  /**
   * Whether the holder should be asked which pieces it has now: it has only some, none of them
   * is left for this download, and it was last asked at least {@code intervalNanos} ago.
   */
  boolean wantsList(long now, long intervalNanos) {
    return partial && idle() && !listAsked && now - listAskedAt >= intervalNanos;
  }

  /**
   * Whether the holder has only some pieces and has had none to give this download for
   * {@code nanos}, though its list was asked for again meanwhile: its place is better used by
   * another holder.
   */
  boolean dryFor(long now, long nanos) {
    return partial && idle() && !listAsked && idleSince != 0 && now - idleSince >= nanos;
  }

  void listAsked(long now) {
    listAsked = true;
    listAskedAt = now;
  }

  void listAnswered() {
    listAsked = false;
  }

  /** The holder's list now names every piece (its own download got them all). */
  void holdsAll(boolean all) {
    partial = !all;
  }

  /** Takes more pieces while it has fewer under way than it may and there are any for it; otherwise waits to be woken. */
  void next() {
    while (!ended && !pausing
        && inFlight.size() + (proven ? 0 : judging) < (contended || fetch.holders() > 1 ? 1 : ALONE_DEPTH)) {
      OptionalInt claimed = fetch.claim(this);
      if (claimed.isEmpty()) {
        if (inFlight.isEmpty() && idleSince == 0) {
          idleSince = System.nanoTime();
        }
        return;
      }
      idleSince = 0;
      fetchPiece(new PieceRequest(claimed.getAsInt(), fetch.isSpare(claimed.getAsInt(), this)));
    }
  }

  private void fetchPiece(PieceRequest asked) {
    if (inFlight.isEmpty()) {
      // The source's pace is judged while this side waits for it, from a fresh start after an idle spell.
      watch = new SourceWatch(fetch.patience(), System.nanoTime());
    }
    inFlight.add(asked);
    if (whole == null) {
      whole = SourceRequest.checked(fetch.vertx(), lease.sourceAddress(), lease.sha256());
    }
    PieceLayout layout = fetch.layout();
    long first = layout.start(asked.piece);
    long last = first + layout.length(asked.piece) - 1;
    whole.compose(options -> fetch.http().request(SourceRequest.range(options, lease.sha256(), first, last)))
        .compose(sent -> {
          asked.request = sent;
          if (ended || asked.losing) {
            sent.reset();
          }
          return sent.send();
        })
        .compose(response -> receive(response, asked, first, last))
        .onComplete(received -> {
          inFlight.remove(asked);
          SourceWatch.Verdict pace = stopping;
          if (received.succeeded()) {
            // The next piece is asked for while the disk thread still hashes this one (once the
            // holder has proven itself; before, the hash is waited for).
            judging++;
            next();
          }
          Future<PieceWriter.Outcome> outcome = asked.writer == null
              ? Future.succeededFuture(PieceWriter.Outcome.SHORT) : asked.writer.finish();
          outcome.onComplete(judged -> {
            if (received.succeeded()) {
              judging--;
            }
            judge(asked, judged.result(), judged.cause(), received.cause(), pace);
          });
        });
  }

  /** Writes the body when {@link SourceRequest#rangeRefusal} finds nothing wrong with it; completes once it is all in. */
  private Future<Void> receive(HttpClientResponse response, PieceRequest asked, long first, long last) {
    Optional<SourceFailure> refusal = SourceRequest.rangeRefusal(response, first, last, lease.size());
    if (refusal.isPresent()) {
      // Nothing of the answer is read: the connection goes with it, rather than stay in the pool
      // with an unread body (a busy holder's 503, say) and hold the next request back for good.
      asked.reset(refusal.get());
      return Future.failedFuture(refusal.get());
    }
    asked.writer = fetch.writer(asked.piece, asked.spare, tally);
    return response.pipe().endOnComplete(false).to(asked.writer);
  }

  /**
   * How a piece came out. A piece that matched counts even when the session has ended since (its
   * bytes are sealed on disk); anything else ends the session with a reason, unless it was broken
   * off because another source won the piece.
   */
  private void judge(PieceRequest asked, PieceWriter.Outcome outcome, Throwable diskFailure, Throwable receiveFailure,
      SourceWatch.Verdict pace) {
    if (outcome == PieceWriter.Outcome.VERIFIED) {
      busyAnswers = 0;
      tally.pieceVerified();
      fetch.pieceVerified(asked.piece, this);
      if (!proven) {
        proven = true;
        next();
      }
      return;
    }
    if (ended) {
      return;
    }
    if (outcome == PieceWriter.Outcome.TAKEN) {
      // Another source won the piece (endgame): this one looks for more work, if any is left.
      next();
      return;
    }
    if (receiveFailure instanceof SourceFailure refused && refused.reason() == FailureReason.BUSY
        && ++busyAnswers < MOST_BUSY_ANSWERS) {
      // Every slot of the holder is taken for now: the piece goes back to the others, and this
      // session asks again after a pause instead of giving up a holder that is merely in demand.
      contended = true;
      pause(refused.pauseMillis());
      fetch.pieceReturned(asked.piece, this);
    } else if (diskFailure instanceof PartialFile.DiskFailure disk) {
      fetch.diskFailed(disk);
    } else if (outcome == PieceWriter.Outcome.WRONG) {
      fetch.download().metrics().rejected(PeerMetrics.Rejected.PIECE);
      fetch.sessionFailed(this, "piece " + asked.piece, FailureReason.CORRUPT,
          new SourceFailure(FailureReason.CORRUPT, "piece " + asked.piece + " did not match its SHA-256"));
    } else if (asked.losing) {
      next();
    } else {
      Throwable cause = receiveFailure != null ? receiveFailure : new SourceFailure(FailureReason.CONNECTION_LOST,
          "the connection ended before piece " + asked.piece + " was whole");
      fetch.sessionFailed(this, "piece " + asked.piece, SourceFailure.reasonFor(cause, pace), cause);
    }
  }

  private void pause(long millis) {
    if (pausing) {
      return;
    }
    pausing = true;
    fetch.vertx().setTimer(millis, fired -> {
      pausing = false;
      next();
    });
  }

  /** Another source verified {@code lost} first: if this one is still fetching it, it stops and moves on. */
  void lose(int lost) {
    for (PieceRequest asked : List.copyOf(inFlight)) {
      if (asked.piece == lost && !ended) {
        asked.losing = true;
        asked.reset(new TimeoutException("another source was faster"));
      }
    }
  }

  /** Ends the session: its requests are broken off, and nothing more is fetched. */
  void stop() {
    ended = true;
    tally.stopped();
    List.copyOf(inFlight).forEach(asked -> asked.reset(new TimeoutException("stopped")));
  }

  /** Bytes of the pieces under way, except those another source fetches too (they are counted there). */
  long bytesUnderWay() {
    return inFlight.stream().filter(asked -> asked.writer != null && !asked.spare).mapToLong(asked -> asked.writer.received()).sum();
  }

  /**
   * Four times a second: breaks the requests off once the source has gone silent or crawled for
   * too long (the failure that follows is told as a stall or as too slow); about once a second,
   * tells the tracker how much this source has sent.
   */
  void tick(boolean reportProgress) {
    if (ended) {
      return;
    }
    if (reportProgress) {
      fetch.download().reportProgress(lease, tally.bytes());
    }
    if (inFlight.isEmpty() || watch == null || stopping != null) {
      return;
    }
    boolean heldBack = inFlight.stream().anyMatch(asked -> asked.writer != null && asked.writer.waitingForDisk());
    SourceWatch.Verdict verdict = watch.observe(System.nanoTime(), tally.bytes(), heldBack);
    if (verdict != SourceWatch.Verdict.FINE) {
      stopping = verdict;
      List.copyOf(inFlight).forEach(asked -> asked.reset(new TimeoutException(verdict.name())));
    }
  }
}
