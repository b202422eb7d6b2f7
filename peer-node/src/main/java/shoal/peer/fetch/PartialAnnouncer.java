package shoal.peer.fetch;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import shoal.peer.share.PartialShare;
import shoal.peer.share.PartialShares;

/**
 * Offers the verified pieces of one download to other peers while it runs: to this node's files
 * port at once, as each piece is verified ({@link PartialShares}), and to the tracker at most once
 * every {@value #TRACKER_MILLIS} ms, so that it can lease this peer to other downloaders of the
 * file. Withdrawn from both when the download ends or its pieces are dropped. Lives on the
 * download's context.
 */
final class PartialAnnouncer {

  private static final Logger LOG = LoggerFactory.getLogger(PartialAnnouncer.class);
  /** A crowd needs to learn of new pieces within about a second; the tracker needs no more. */
  static final long TRACKER_MILLIS = 1_000;

  private final Download download;
  private final PartialShares shares;
  /** The latest pieces offered; null once withdrawn or before the first. */
  private PartialShare latest;
  /** The tracker knows of this download's pieces (or is being told): a withdrawal must tell it too. */
  private boolean announced;
  private boolean sending;
  private boolean behind;
  private long timer = -1;

  PartialAnnouncer(Download download, PartialShares shares) {
    this.download = download;
    this.shares = shares;
  }

  /** Offers {@code share}'s verified pieces from now on; nothing while none is verified. */
  void offer(PartialShare share) {
    if (share.have() == 0) {
      return;
    }
    latest = share;
    shares.publish(share);
    behind = true;
    if (!sending && timer < 0) {
      tellTracker();
    }
  }

  private void tellTracker() {
    PartialShare share = latest;
    if (share == null || !behind) {
      return;
    }
    behind = false;
    sending = true;
    announced = true;
    String bitfield = share.bitfield();
    download.owner.call(peer -> download.owner.tracker.announcePartial(peer, share.sha256(), share.name(), share.size(),
            share.pieces().count(), bitfield))
        .onFailure(e -> LOG.debug("could not tell the tracker of the pieces of {}: {}", share.name(), e.getMessage()))
        .onComplete(told -> {
          sending = false;
          if (latest == null) {
            // Withdrawn while this announcement was under way: the withdrawal goes after it, never before.
            tellTrackerGone();
            return;
          }
          // The next announcement waits its turn, whatever arrived meanwhile.
          timer = download.owner.vertx.setTimer(TRACKER_MILLIS, fired -> {
            timer = -1;
            tellTracker();
          });
        });
  }

  /** Offers nothing of the file any more, here or through the tracker. */
  void withdraw() {
    download.owner.vertx.cancelTimer(timer);
    timer = -1;
    if (latest != null) {
      shares.withdraw(latest.sha256());
      latest = null;
    }
    if (!sending) {
      tellTrackerGone();
    }
  }

  private void tellTrackerGone() {
    if (!announced) {
      return;
    }
    announced = false;
    String sha256 = download.sha256();
    download.owner.call(peer -> download.owner.tracker.withdrawPartial(peer, sha256))
        .onFailure(e -> LOG.debug("could not withdraw the pieces of {} from the tracker: {}", sha256, e.getMessage()));
  }
}
