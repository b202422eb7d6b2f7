package shoal.peer.fetch;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import shoal.common.transfer.FailureReason;
import shoal.peer.share.PieceHashes;
import shoal.peer.share.PieceLayout;
import shoal.peer.tracker.TrackerClient.Lease;

/**
 * A download in verified pieces from up to {@code --sources} holders at once. Each holder comes
 * from the tracker's least-loaded choice, one lease at a time, so its load accounting stays exact;
 * each fetches one piece after another ({@link SourceSession}) as {@link PiecePicker} hands them
 * out, so faster holders take more, and the last pieces go to two at once. Every piece is checked
 * on arrival against the piece list of the first holder; a holder is used only when its own list
 * is the same, so a wrong piece is always its sender's fault: it is cut off, reported, and the
 * piece fetched again from another. The whole file's SHA-256 ({@link FileDigest}) is checked at
 * the end; if it fails although every piece matched, the list lied, and every holder that gave it
 * is blamed and everything they vouched for dropped.
 */
final class PieceFetch implements Fetch {

  private static final Logger LOG = LoggerFactory.getLogger(PieceFetch.class);
  /** How often more holders are asked for while fewer than {@code --sources} are in use. */
  private static final long MORE_SOURCES_MILLIS = 3_000;

  private final Download download;
  private final Downloads owner;
  private final Promise<Fetched> result = Promise.promise();
  private final Map<String, SourceSession> sessions = new LinkedHashMap<>();
  /** Holders whose lists differ from the one in use (or who list none): not used while it stands, not blamed either. */
  private final Set<String> aside = new HashSet<>();
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

  PieceFetch(Download download, Lease first, PieceHashes firstList) {
    this.download = download;
    this.owner = download.owner;
    adopt(first, firstList);
  }

  @Override
  public Future<Fetched> run() {
    return result.future();
  }

  /** Takes {@code pieces}, the list {@code lease}'s holder gave, as the one every piece is checked against. */
  private void adopt(Lease lease, PieceHashes pieces) {
    list = pieces;
    vouching.add(lease.sourcePeerId());
    asking = true;
    PieceFile.open(owner.vertx, owner.settings.partialDir(), download.sha256(), pieces)
        .onSuccess(opened -> {
          asking = false;
          file = opened;
          picker = new PiecePicker(pieces.layout(), opened.verifiedAtOpen());
          digest = new FileDigest(opened, opened.verifiedAtOpen());
          if (stopped) {
            download.reportFailed(lease, FailureReason.CANCELLED);
            result.tryFail(new Stopped());
            return;
          }
          start(lease);
          moreSources();
          checkWhole();
        })
        .onFailure(e -> {
          asking = false;
          download.reportFailed(lease, FailureReason.DOWNLOADER_ERROR);
          result.tryFail(e);
        });
  }

  private void start(Lease lease) {
    SourceSession session = new SourceSession(this, lease, download.used(lease));
    sessions.put(session.peerId(), session);
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
    download.anotherLease(busy)
        .onSuccess(lease -> SourceRequest.pieces(owner.vertx, owner.http, lease.sourceAddress(), download.sha256(), lease.size())
            .onComplete(answer -> listed(lease, answer)))
        .onFailure(this::noMoreSources);
  }

  /** {@code lease}'s holder answered for its piece list, or could not: it is used, set aside, or has failed. */
  private void listed(Lease lease, AsyncResult<Optional<PieceHashes>> answer) {
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
    Optional<PieceHashes> pieces = answer.result();
    if (list == null && pieces.isPresent()) {
      adopt(lease, pieces.get());
    } else if (list != null && pieces.isPresent() && pieces.get().layout().equals(list.layout())
        && pieces.get().hex().equals(list.hex())) {
      vouching.add(lease.sourcePeerId());
      start(lease);
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
    checkWhole();
  }

  /** {@code session}'s source failed for {@code reason}: reported, cut off, and its piece goes to the others. */
  void sessionFailed(SourceSession session, int piece, FailureReason reason, Throwable failure) {
    LOG.warn("fetching piece {} of {} from {} failed ({}): {}", piece, download.name(), session.tally.name, reason.code(),
        failure == null ? "" : failure.getMessage());
    session.stop();
    sessions.remove(session.peerId());
    served.remove(session);
    picker.releasedAll(session.peerId());
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
