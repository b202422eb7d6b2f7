package shoal.peer.fetch;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.Optional;
import java.util.Set;
import shoal.peer.share.PieceLayout;
import shoal.peer.tracker.TrackerClient.Lease;

/**
 * The holder a download starts from, and the piece list that decides how it goes on: in pieces
 * from several holders ({@link PieceFetch}) when that holder lists them, as one stream
 * ({@link StreamFetch}) when it answers that it lists none or the file is a single piece. A holder
 * that cannot give its list (unreachable, silent, refusing, answering something that is no list)
 * has failed as a source: its transfer is reported failed for its reason and the next holder is
 * asked for, as {@link SourceChoice} allows, so that one bad first holder does not cost the whole
 * download its other sources and its piece checks. Lives on the downloads' context.
 */
final class FirstSource {

  /** The holder to start from, and the pieces it lists; empty when it lists none. */
  record Found(Lease lease, Optional<SourcePieces> list) {}

  private final Download download;
  private final Promise<Found> result = Promise.promise();
  /** The lease the tracker holds open for this download while no fetch has taken it over; null while none is. */
  private Lease open;

  FirstSource(Download download, Lease first) {
    this.download = download;
    this.open = first;
  }

  /** Fails with {@link Fetch.GaveUp} when no holder is left, with {@link Fetch.Stopped} once the download is cancelled. */
  Future<Found> find() {
    ask(open);
    return result.future();
  }

  /** The lease still to be reported if the download ends before a fetch takes it over. */
  Optional<Lease> open() {
    return Optional.ofNullable(open);
  }

  private void ask(Lease lease) {
    open = lease;
    if (download.isCancelled()) {
      result.tryFail(new Fetch.Stopped());
    } else if (PieceLayout.of(lease.size()).count() <= 1) {
      result.tryComplete(new Found(lease, Optional.empty()));
    } else {
      SourceRequest.pieces(download.owner.vertx, download.owner.http, lease.sourceAddress(), download.sha256(), lease.size())
          .onSuccess(list -> result.tryComplete(new Found(lease, list)))
          .onFailure(failure -> failed(lease, failure));
    }
  }

  private void failed(Lease lease, Throwable failure) {
    if (download.isCancelled()) {
      result.tryFail(new Fetch.Stopped());
      return;
    }
    open = null;
    download.listFailed(lease, failure);
    askForAnother();
  }

  private void askForAnother() {
    if (download.isCancelled()) {
      result.tryFail(new Fetch.Stopped());
      return;
    }
    download.anotherLease(Set.of(), true)
        .onSuccess(this::ask)
        .onFailure(e -> {
          if (!download.secondChance(e, this::askForAnother)) {
            result.tryFail(download.gaveUp(e));
          }
        });
  }
}
