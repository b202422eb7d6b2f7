package shoal.peer.fetch;

import io.vertx.core.Future;
import java.nio.file.Path;
import java.util.List;
import shoal.peer.share.PieceHashes;
import shoal.peer.tracker.TrackerClient.Lease;

/**
 * One way of bringing a download's bytes here: piece by piece from several holders at once
 * ({@link PieceFetch}), or as one stream from one holder at a time when no holder lists the
 * file's pieces ({@link StreamFetch}). Each reports to the tracker how every transfer it started
 * ended, except those it hands back as complete. Lives on the downloads' context.
 */
interface Fetch {

  /** The bytes are all here and match the file's SHA-256; the transfers of {@code complete} are reported complete. */
  record Fetched(Path partial, PieceHashes pieces, List<Supplied> complete) {}

  /** A source of the finished file and the bytes it sent: the tracker credits it with these, not the whole file. */
  record Supplied(Lease lease, long bytes) {}

  /** Thrown when the download cannot go on, with the sentence the user sees. */
  final class GaveUp extends Exception {
    GaveUp(String sentence) {
      super(sentence, null, false, false);
    }
  }

  /** Thrown when {@link #stop()} broke the fetch off. */
  final class Stopped extends Exception {
    Stopped() {
      super("stopped", null, false, false);
    }
  }

  /**
   * Fetches until the file is whole and verified; fails with {@link GaveUp}, {@link Stopped}, or a
   * {@link PartialFile.DiskFailure} when this node's disk failed.
   */
  Future<Fetched> run();

  /** Bytes held so far. */
  long bytes();

  /** Four times a second: the sources' pace and rates, and about once a second progress for the tracker. */
  void tick(boolean reportProgress);

  /** Breaks every transfer off, reported as cancelled; {@link #run()} then fails with {@link Stopped}. */
  void stop();

  /** Closes the partial data, and deletes it unless {@code keep} (for the node's next start). */
  Future<Void> release(boolean keep);
}
