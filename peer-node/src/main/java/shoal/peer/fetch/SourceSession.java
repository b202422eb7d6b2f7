package shoal.peer.fetch;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeoutException;
import shoal.common.transfer.FailureReason;
import shoal.peer.share.PieceLayout;
import shoal.peer.tracker.TrackerClient.Lease;

/**
 * One holder a piece download fetches from: one piece at a time, each a {@code Range} request of
 * its own, as long as {@link PieceFetch} has one for it. It watches the holder's pace (see
 * {@link SourceWatch}) and tells {@link PieceFetch} how each piece came out; any failure ends the
 * session, and the piece goes back to the others. Lives on the download's context.
 */
final class SourceSession {

  final Lease lease;
  final SourceTally tally;
  private final PieceFetch fetch;
  private int piece = -1;
  private PieceWriter writer;
  private HttpClientRequest request;
  private SourceWatch watch;
  /** Set when this side broke the request off for the source's pace, so the failure is told as such. */
  private SourceWatch.Verdict stopping;
  /** Set when another source verified the piece first and this side broke the request off. */
  private boolean losing;
  private boolean ended;

  SourceSession(PieceFetch fetch, Lease lease, SourceTally tally) {
    this.fetch = fetch;
    this.lease = lease;
    this.tally = tally;
  }

  String peerId() {
    return lease.sourcePeerId();
  }

  /** Whether the session waits for work: nothing was left for it when it last asked. */
  boolean idle() {
    return !ended && piece < 0;
  }

  /** Takes the next piece, if there is one for it; otherwise waits, idle, to be woken. */
  void next() {
    if (ended || piece >= 0) {
      return;
    }
    OptionalInt claimed = fetch.claim(this);
    if (claimed.isPresent()) {
      fetchPiece(claimed.getAsInt());
    }
  }

  private void fetchPiece(int claimed) {
    piece = claimed;
    losing = false;
    stopping = null;
    boolean spare = fetch.isSpare(claimed, this);
    PieceLayout layout = fetch.layout();
    long first = layout.start(claimed);
    long last = first + layout.length(claimed) - 1;
    SourceRequest.range(fetch.vertx(), lease.sourceAddress(), lease.sha256(), first, last)
        .compose(fetch.http()::request)
        .compose(sent -> {
          request = sent;
          watch = new SourceWatch(fetch.patience(), System.nanoTime());
          if (ended || losing) {
            sent.reset();
          }
          return sent.send();
        })
        .compose(response -> receive(response, claimed, spare, first, last))
        .onComplete(received -> {
          PieceWriter into = writer;
          boolean lost = losing;
          SourceWatch.Verdict pace = stopping;
          piece = -1;
          request = null;
          writer = null;
          if (received.succeeded()) {
            // The next piece is asked for while the disk thread still hashes this one: the source never waits for the disk.
            next();
          }
          Future<PieceWriter.Outcome> outcome = into == null ? Future.succeededFuture(PieceWriter.Outcome.SHORT) : into.finish();
          outcome.onComplete(judged -> judge(claimed, judged.result(), judged.cause(), received.cause(), lost, pace));
        });
  }

  /** Writes the body when {@link SourceRequest#rangeRefusal} finds nothing wrong with it; completes once it is all in. */
  private Future<Void> receive(HttpClientResponse response, int claimed, boolean spare, long first, long last) {
    Optional<SourceFailure> refusal = SourceRequest.rangeRefusal(response, first, last, lease.size());
    if (refusal.isPresent()) {
      response.pause();
      return Future.failedFuture(refusal.get());
    }
    PieceWriter into = fetch.writer(claimed, spare, tally);
    writer = into;
    return response.pipe().endOnComplete(false).to(into);
  }

  /**
   * How piece {@code claimed} came out. A piece that matched counts even when the session has
   * ended since (its bytes are sealed on disk); anything else ends the session with a reason,
   * unless it was broken off because another source won the piece.
   */
  private void judge(int claimed, PieceWriter.Outcome outcome, Throwable diskFailure, Throwable receiveFailure,
      boolean lost, SourceWatch.Verdict pace) {
    if (outcome == PieceWriter.Outcome.VERIFIED) {
      tally.pieceVerified();
      fetch.pieceVerified(claimed, this);
      return;
    }
    if (outcome == PieceWriter.Outcome.TAKEN || ended) {
      return;
    }
    if (diskFailure instanceof PartialFile.DiskFailure disk) {
      fetch.diskFailed(disk);
    } else if (outcome == PieceWriter.Outcome.WRONG) {
      fetch.sessionFailed(this, claimed, FailureReason.CORRUPT,
          new SourceFailure(FailureReason.CORRUPT, "piece " + claimed + " did not match its SHA-256"));
    } else if (lost) {
      next();
    } else {
      Throwable cause = receiveFailure != null ? receiveFailure : new SourceFailure(FailureReason.CONNECTION_LOST,
          "the connection ended before piece " + claimed + " was whole");
      fetch.sessionFailed(this, claimed, StreamFetch.classify(cause, pace), cause);
    }
  }

  /** Another source verified {@code lost} first: if this one is still fetching it, it stops and moves on. */
  void lose(int lost) {
    if (piece == lost && !ended) {
      losing = true;
      if (request != null) {
        request.reset();
      }
    }
  }

  /** Ends the session: any request is broken off, and nothing more is fetched. */
  void stop() {
    ended = true;
    tally.stopped();
    if (request != null) {
      request.reset();
    }
  }

  /** Bytes of the piece under way, unless another source fetches it first (then they are counted there). */
  long bytesUnderWay() {
    return writer == null || fetch.isSpare(piece, this) ? 0 : writer.received();
  }

  /**
   * Four times a second: breaks the request off once the source has gone silent or crawled for too
   * long (the failure that follows is told as a stall or as too slow); about once a second, tells
   * the tracker how much this source has sent.
   */
  void tick(boolean reportProgress) {
    if (ended) {
      return;
    }
    if (reportProgress) {
      fetch.download().reportProgress(lease, tally.bytes());
    }
    if (request == null || watch == null || stopping != null || losing) {
      return;
    }
    SourceWatch.Verdict verdict = watch.observe(System.nanoTime(), tally.bytes(), writer != null && writer.waitingForDisk());
    if (verdict != SourceWatch.Verdict.FINE) {
      stopping = verdict;
      request.reset(0, new TimeoutException(verdict.name()));
    }
  }
}
