package shoal.peer.fetch;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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

  private static final Logger LOG = LoggerFactory.getLogger(SourceSession.class);

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
        .onComplete(done -> pieceEnded(claimed, done.succeeded() ? done.result() : null, done.cause()));
  }

  /** Writes the body when {@link SourceRequest#rangeRefusal} finds nothing wrong with it; answers how the piece came out. */
  private Future<PieceWriter.Outcome> receive(HttpClientResponse response, int claimed, boolean spare, long first,
      long last) {
    Optional<SourceFailure> refusal = SourceRequest.rangeRefusal(response, first, last, lease.size());
    if (refusal.isPresent()) {
      response.pause();
      return Future.failedFuture(refusal.get());
    }
    PieceWriter into = fetch.writer(claimed, spare, tally);
    writer = into;
    response.pause();
    // As in PartialFile: a hang-up reported ahead of queued bytes is the pipe's to read; quiet until then.
    response.exceptionHandler(e -> LOG.debug("{} hung up before the piece was read: {}", tally.name, e.getMessage()));
    return response.pipe().endOnComplete(false).to(into)
        .transform(piped -> into.finish().compose(outcome -> {
          if (outcome != PieceWriter.Outcome.SHORT) {
            return Future.succeededFuture(outcome);
          }
          return Future.failedFuture(piped.failed() ? piped.cause() : new SourceFailure(FailureReason.CONNECTION_LOST,
              "the connection ended after " + into.received() + " bytes of piece " + claimed));
        }));
  }

  private void pieceEnded(int claimed, PieceWriter.Outcome outcome, Throwable failure) {
    piece = -1;
    request = null;
    writer = null;
    if (ended) {
      return;
    }
    if (failure instanceof PartialFile.DiskFailure disk) {
      fetch.diskFailed(disk);
    } else if (outcome == PieceWriter.Outcome.VERIFIED) {
      tally.pieceVerified();
      fetch.pieceVerified(claimed, this);
      next();
    } else if (outcome == PieceWriter.Outcome.TAKEN || (failure != null && losing)) {
      next();
    } else if (outcome == PieceWriter.Outcome.WRONG) {
      fetch.sessionFailed(this, claimed, FailureReason.CORRUPT,
          new SourceFailure(FailureReason.CORRUPT, "piece " + claimed + " did not match its SHA-256"));
    } else {
      fetch.sessionFailed(this, claimed, StreamFetch.classify(failure, stopping), failure);
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
