package shoal.peer.fetch;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import shoal.common.transfer.FailureReason;
import shoal.peer.metrics.PeerMetrics;
import shoal.peer.share.PartialShare;
import shoal.peer.share.PieceHashes;
import shoal.peer.share.PieceLayout;
import shoal.peer.tracker.TrackerClient.Lease;

/**
 * A download in verified pieces from up to {@code --sources} holders at once. Each holder comes
 * from the tracker's least-loaded choice, one lease at a time, so its load accounting stays exact;
 * each fetches one piece after another ({@link SourceSession}) as {@link PiecePicker} hands them
 * out, rarest first, so faster holders take more, and the last pieces go to two at once. A holder
 * may be another downloader of the file that has some pieces only: it is asked for those, and its
 * list again whenever it has nothing left to give. In turn, every piece verified here is offered
 * to the others at once ({@link PartialAnnouncer}), so a crowd starting together passes pieces on
 * instead of all waiting on the first holder's uplink. Every piece is checked
 * on arrival against the piece list of the first holder; a holder is used only when its own list
 * is the same, so a wrong piece is always its sender's fault: it is cut off, reported, and the
 * piece fetched again from another. The whole file's SHA-256 ({@link FileDigest}) is checked at
 * the end; if it fails although every piece matched, the list lied, and every holder that gave it
 * is blamed and everything they vouched for dropped.
 */
final class PieceFetch implements Fetch {

  private static final Logger LOG = LoggerFactory.getLogger(PieceFetch.class);
  /**
   * How often more holders are asked for while fewer than {@code --sources} are in use: in a crowd,
   * downloaders become holders of their first pieces within a second or two.
   */
  private static final long MORE_SOURCES_MILLIS = 1_000;
  /** How often a holder with only some pieces, and none left for this download, is asked which it has now. */
  private static final long PARTIAL_LIST_NANOS = 500_000_000L;
  /** How long such a holder may have nothing for this download before its place goes to another. */
  private static final long DRY_NANOS = 3_000_000_000L;
  /** How long a holder let go for having nothing is not leased again. */
  private static final long REST_MILLIS = 5_000;

  private final Download download;
  private final Downloads owner;
  private final Promise<Fetched> result = Promise.promise();
  private final PartialAnnouncer announcer;
  private final Map<String, SourceSession> sessions = new LinkedHashMap<>();
  /** Holders whose lists differ from the one in use (or who list none): not used while it stands, not blamed either. */
  private final Set<String> aside = new HashSet<>();
  /** Holders let go for having no piece this download needed, not leased again for a while. */
  private final RestingSources resting = new RestingSources();
  /** Holders whose lists are the one in use: if it proves wrong, they all lied. */
  private final Set<String> vouching = new HashSet<>();
  /** Sessions that verified at least one piece and ended without fault: their transfers are complete at the end. */
  private final List<SourceSession> served = new ArrayList<>();
  private PieceHashes list;
  private PieceFile file;
  private PiecePicker picker;
  private FileDigest digest;
  private boolean asking;
  private long moreSourcesTimer = -1;
  private boolean stopped;
  private boolean checking;

  PieceFetch(Download download, Lease first, SourcePieces firstList) {
    this.download = download;
    this.owner = download.owner;
    this.announcer = new PartialAnnouncer(download, owner.partials);
    adopt(first, firstList);
  }

  @Override
  public Future<Fetched> run() {
    return result.future();
  }

  /** Takes the list {@code lease}'s holder gave as the one every piece is checked against. */
  private void adopt(Lease lease, SourcePieces pieces) {
    list = pieces.hashes();
    vouching.add(lease.sourcePeerId());
    asking = true;
    PieceFile.open(owner.vertx, owner.settings.partialDir(), download.sha256(), list)
        .onSuccess(opened -> {
          asking = false;
          file = opened;
          picker = new PiecePicker(list.layout(), opened.verifiedAtOpen(), ThreadLocalRandom.current().nextInt(list.count()));
          digest = new FileDigest(opened, opened.verifiedAtOpen());
          if (stopped) {
            download.reportFailed(lease, FailureReason.CANCELLED);
            result.tryFail(new Stopped());
            return;
          }
          offerVerified();
          start(lease, pieces);
          moreSources();
          checkWhole();
        })
        .onFailure(e -> {
          asking = false;
          download.reportFailed(lease, FailureReason.DOWNLOADER_ERROR);
          result.tryFail(e);
        });
  }

  private void start(Lease lease, SourcePieces pieces) {
    SourceSession session = new SourceSession(this, lease, download.used(lease), !pieces.isWhole());
    sessions.put(session.peerId(), session);
    picker.sourceHolds(session.peerId(), pieces.held());
    session.next();
  }

  /**
   * Asks the tracker for one more holder while fewer than {@code --sources} are in use and a piece
   * is left that none of them fetches. A holder is used when its list is the one in use;
   * otherwise it is set aside and its transfer ended as cancelled. One that cannot give a list at
   * all has failed as a source, like one that fails mid-piece.
   */
  private void moreSources() {
    if (stopped || checking || asking) {
      return;
    }
    // Without a list (the last one lied), the next holder's is needed before anything else.
    if (list != null && (sessions.size() >= owner.settings.maxSources() || (!sessions.isEmpty() && !picker.hasUnclaimed()))) {
      return;
    }
    asking = true;
    Set<String> busy = new HashSet<>(sessions.keySet());
    busy.addAll(aside);
    busy.addAll(resting.now());
    download.anotherLease(busy, true)
        .onSuccess(lease -> SourceRequest.pieces(owner.vertx, owner.http, lease.sourceAddress(), download.sha256(), lease.size())
            .onComplete(answer -> listed(lease, answer)))
        .onFailure(this::noMoreSources);
  }

  /** {@code lease}'s holder answered for its piece list, or could not: it is used, set aside, or has failed. */
  private void listed(Lease lease, AsyncResult<Optional<SourcePieces>> answer) {
    asking = false;
    if (stopped || checking) {
      download.reportFailed(lease, FailureReason.CANCELLED);
      return;
    }
    if (answer.failed()) {
      download.listFailed(lease, answer.cause());
      moreSources();
      return;
    }
    Optional<SourcePieces> pieces = answer.result();
    if (list == null && pieces.isPresent()) {
      adopt(lease, pieces.get());
    } else if (list != null && pieces.isPresent() && pieces.get().sameHashes(list)) {
      vouching.add(lease.sourcePeerId());
      start(lease, pieces.get());
      moreSources();
    } else {
      LOG.info("{} lists the pieces of {} otherwise, or not at all: not used while the first list stands",
          lease.sourceName(), download.name());
      aside.add(lease.sourcePeerId());
      download.reportFailed(lease, FailureReason.CANCELLED);
      moreSources();
    }
  }

  /** The tracker had no other holder (or could not be asked): try again later, or give up when nobody is left. */
  private void noMoreSources(Throwable failure) {
    asking = false;
    if (stopped || checking) {
      return;
    }
    if (!sessions.isEmpty()) {
      owner.vertx.cancelTimer(moreSourcesTimer);
      moreSourcesTimer = owner.vertx.setTimer(MORE_SOURCES_MILLIS, fired -> moreSources());
      return;
    }
    if (!download.secondChance(failure, this::moreSources)) {
      result.tryFail(download.gaveUp(failure));
    }
  }

  OptionalInt claim(SourceSession session) {
    return checking ? OptionalInt.empty() : picker.claim(session.peerId());
  }

  boolean isSpare(int piece, SourceSession session) {
    return picker.isSpare(piece, session.peerId());
  }

  PieceWriter writer(int piece, boolean spare, SourceTally tally) {
    return file.writer(piece, spare, tally::received);
  }

  void pieceVerified(int piece, SourceSession by) {
    if (picker == null || picker.isVerified(piece)) {
      return;
    }
    if (sessions.get(by.peerId()) == by && !served.contains(by)) {
      served.add(by);
    }
    for (String other : picker.verified(piece, by.peerId())) {
      SourceSession loser = sessions.get(other);
      if (loser != null) {
        loser.lose(piece);
      }
    }
    digest.verified(piece);
    offerVerified();
    checkWhole();
  }

  /** Offers the pieces verified so far to other downloaders of the file, unless the fetch has stopped. */
  private void offerVerified() {
    if (stopped) {
      return;
    }
    announcer.offer(new PartialShare(download.sha256(), download.name(), file.path(), list, picker.verifiedPieces()));
  }

  /**
   * Asks a holder that has only some pieces, and none left for this download, which it has now.
   * One that no longer offers the file, or lists it otherwise, is let go without blame; one that
   * cannot answer has failed as a source.
   */
  private void askAgain(SourceSession session) {
    session.listAsked(System.nanoTime());
    SourceRequest.pieces(owner.vertx, owner.http, session.lease.sourceAddress(), download.sha256(), session.lease.size())
        .onComplete(answer -> {
          session.listAnswered();
          if (stopped || checking || sessions.get(session.peerId()) != session) {
            return;
          }
          if (answer.failed()) {
            sessionFailed(session, "its piece list", SourceFailure.reasonFor(answer.cause(), null), answer.cause());
          } else if (answer.result().isEmpty() || !answer.result().get().sameHashes(list)) {
            LOG.info("{} no longer offers pieces of {}", session.tally.name, download.name());
            aside.add(session.peerId());
            letGo(session);
          } else {
            SourcePieces pieces = answer.result().get();
            picker.sourceHolds(session.peerId(), pieces.held());
            session.holdsAll(pieces.isWhole());
            session.next();
          }
        });
  }

  /**
   * Ends {@code session} without blame: its holder stopped offering the file (its own download
   * ended or changed), or has had nothing this download needs for a while. What it gave counts at
   * the end.
   */
  private void letGo(SourceSession session) {
    session.stop();
    sessions.remove(session.peerId());
    picker.sourceGone(session.peerId());
    if (!served.contains(session)) {
      download.reportFailed(session.lease, FailureReason.CANCELLED);
    }
    wakeIdle();
    moreSources();
  }

  /** How many holders the download fetches from now. */
  int holders() {
    return sessions.size();
  }

  /** {@code session} gives {@code piece} back unfetched (its holder was busy): another source may take it. */
  void pieceReturned(int piece, SourceSession session) {
    picker.returned(piece, session.peerId());
    wakeIdle();
  }

  /** {@code session}'s source failed for {@code reason} while sending {@code what}: reported, cut off, and its pieces go to the others. */
  void sessionFailed(SourceSession session, String what, FailureReason reason, Throwable failure) {
    LOG.warn("fetching {} of {} from {} failed ({}): {}", what, download.name(), session.tally.name, reason.code(),
        failure == null ? "" : failure.getMessage());
    session.stop();
    sessions.remove(session.peerId());
    served.remove(session);
    picker.sourceGone(session.peerId());
    download.sourceFailed(session.lease, reason);
    wakeIdle();
    moreSources();
  }

  /** This node's disk failed: every transfer ends, blaming nobody. */
  void diskFailed(PartialFile.DiskFailure failure) {
    endAll(FailureReason.DOWNLOADER_ERROR);
    result.tryFail(failure);
  }

  private void wakeIdle() {
    List.copyOf(sessions.values()).stream().filter(SourceSession::idle).forEach(SourceSession::next);
  }

  /** Once every piece is verified: the whole file's SHA-256 decides. */
  private void checkWhole() {
    if (checking || picker == null || !picker.complete()) {
      return;
    }
    checking = true;
    download.verifying();
    owner.vertx.cancelTimer(moreSourcesTimer);
    digest.result().onComplete(hashed -> {
      if (stopped) {
        return;
      }
      if (hashed.failed()) {
        endAll(FailureReason.DOWNLOADER_ERROR);
        result.tryFail(hashed.cause());
      } else if (hashed.result().equals(download.sha256())) {
        List<SourceSession> complete = List.copyOf(served);
        sessions.values().stream().filter(session -> !complete.contains(session))
            .forEach(session -> download.reportFailed(session.lease, FailureReason.CANCELLED));
        sessions.values().forEach(SourceSession::stop);
        sessions.clear();
        result.tryComplete(new Fetched(file.path(), list,
            complete.stream().map(session -> new Supplied(session.lease, session.tally.bytes())).toList()));
      } else {
        listLied();
      }
    });
  }

  /**
   * Every piece matched the list, yet the file does not match its SHA-256: the list lied. Every
   * holder that gave it is blamed and never asked again, every byte goes, and the next holder's
   * list is asked for.
   */
  private void listLied() {
    LOG.warn("the piece list of {} given by {} does not add up to its SHA-256", download.name(), vouching);
    download.metrics().rejected(PeerMetrics.Rejected.FILE);
    for (String liar : vouching) {
      SourceSession session = sessions.remove(liar);
      if (session != null) {
        session.stop();
        download.reportFailed(session.lease, FailureReason.CORRUPT);
      }
      download.choice().lied(liar);
    }
    served.clear();
    vouching.clear();
    aside.clear();
    announcer.withdraw();
    list = null;
    picker = null;
    digest.stop();
    PieceFile discarded = file;
    file = null;
    checking = false;
    discarded.close(true).onComplete(closed -> {
      if (closed.failed()) {
        result.tryFail(closed.cause());
      } else {
        moreSources();
      }
    });
  }

  private void endAll(FailureReason reason) {
    owner.vertx.cancelTimer(moreSourcesTimer);
    sessions.values().forEach(session -> {
      session.stop();
      download.reportFailed(session.lease, reason);
    });
    sessions.clear();
  }

  @Override
  public long bytes() {
    if (picker == null) {
      return 0;
    }
    return picker.verifiedBytes() + sessions.values().stream().mapToLong(SourceSession::bytesUnderWay).sum();
  }

  @Override
  public void tick(boolean reportProgress) {
    List.copyOf(sessions.values()).forEach(session -> session.tick(reportProgress));
    if (!checking && !stopped) {
      long now = System.nanoTime();
      for (SourceSession session : List.copyOf(sessions.values())) {
        if (session.dryFor(now, DRY_NANOS)) {
          // Its place may go to a holder with the pieces still missing: the seed, say, or a downloader further on.
          resting.rest(session.peerId(), REST_MILLIS);
          letGo(session);
        } else if (session.wantsList(now, PARTIAL_LIST_NANOS)) {
          askAgain(session);
        }
      }
    }
  }

  @Override
  public void stop() {
    stopped = true;
    endAll(FailureReason.CANCELLED);
    boolean opening = list != null && file == null;
    if (!opening) {
      // While the file opens, its lease is ended and the fetch failed once it is open, so that release() can close it.
      result.tryFail(new Stopped());
    }
  }

  @Override
  public Future<Void> release(boolean keep) {
    // Nothing of the file is offered once its download has ended, whatever a late piece does.
    stopped = true;
    announcer.withdraw();
    if (digest != null) {
      digest.stop();
    }
    return file == null ? Future.succeededFuture() : file.close(!keep);
  }

  Download download() {
    return download;
  }

  PieceLayout layout() {
    return list.layout();
  }

  Vertx vertx() {
    return owner.vertx;
  }

  HttpClient http() {
    return owner.http;
  }

  SourcePatience patience() {
    return owner.settings.patience();
  }
}
