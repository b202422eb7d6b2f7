package shoal.peer.fetch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Which finished downloads the node still lists: the newest {@code keep}, forgetting the oldest
 * first, so that a node running for months does not keep every download it ever made in memory.
 * Unfinished downloads are never recorded here, so they are never forgotten. Used on the
 * downloads' context only.
 */
final class FinishedDownloads {

  /** Enough for the control page's history; a few hundred kilobytes at most. */
  static final int KEEP = 1_000;

  private final int keep;
  /** Ids in the order their downloads finished, oldest first. */
  private final ArrayDeque<String> order = new ArrayDeque<>();

  FinishedDownloads(int keep) {
    if (keep < 0) {
      throw new IllegalArgumentException("cannot keep " + keep + " finished downloads");
    }
    this.keep = keep;
  }

  /**
   * Records that {@code downloadId} finished.
   *
   * @return the ids of the downloads to forget now, oldest first
   */
  List<String> finished(String downloadId) {
    order.addLast(downloadId);
    List<String> forgotten = new ArrayList<>();
    while (order.size() > keep) {
      forgotten.add(order.removeFirst());
    }
    return forgotten;
  }
}
