package shoal.peer.fetch;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import shoal.peer.share.PieceLayout;

/**
 * Which piece each source fetches next. Every source takes one piece at a time, the lowest that
 * is neither verified nor being fetched, so a faster source simply comes back for more sooner and
 * takes more pieces, and the file fills from the front (the whole-file hash follows right behind).
 * When no piece is left unclaimed, an idle source takes the piece another has been fetching the
 * longest (endgame, as BitTorrent clients do): whichever of the two finishes first wins, so a
 * slow or stalled source never holds up the end. No piece is fetched by more than two at once.
 * Sources are named by their peer ids. Lives on the download's context.
 */
final class PiecePicker {

  private static final int MOST_PER_PIECE = 2;

  private final PieceLayout layout;
  private final BitSet verified;
  /** Pieces being fetched, in the order they were first claimed, with who fetches each. */
  private final Map<Integer, List<String>> fetching = new LinkedHashMap<>();

  /** @param verified the pieces already held and checked (not kept: a copy is taken) */
  PiecePicker(PieceLayout layout, BitSet verified) {
    this.layout = layout;
    this.verified = (BitSet) verified.clone();
  }

  /** The piece {@code source} fetches next, claimed for it; empty when there is nothing for it to do. */
  OptionalInt claim(String source) {
    int count = layout.count();
    for (int piece = verified.nextClearBit(0); piece < count; piece = verified.nextClearBit(piece + 1)) {
      if (!fetching.containsKey(piece)) {
        fetching.put(piece, new ArrayList<>(List.of(source)));
        return OptionalInt.of(piece);
      }
    }
    for (Map.Entry<Integer, List<String>> claimed : fetching.entrySet()) {
      List<String> fetchers = claimed.getValue();
      if (fetchers.size() < MOST_PER_PIECE && !fetchers.contains(source)) {
        fetchers.add(source);
        return OptionalInt.of(claimed.getKey());
      }
    }
    return OptionalInt.empty();
  }

  /** Whether {@code source} fetches {@code piece} as a second source (its bytes must not touch the first's). */
  boolean isSpare(int piece, String source) {
    List<String> fetchers = fetching.get(piece);
    return fetchers != null && fetchers.indexOf(source) > 0;
  }

  /** {@code piece} matched its hash; answers the other sources still fetching it, whose work is now moot. */
  List<String> verified(int piece, String by) {
    verified.set(piece);
    List<String> others = new ArrayList<>(fetching.getOrDefault(piece, List.of()));
    others.remove(by);
    fetching.remove(piece);
    return others;
  }

  /** {@code source} is no longer used: the pieces it was fetching are free for others again. */
  void releasedAll(String source) {
    fetching.values().forEach(fetchers -> fetchers.remove(source));
    fetching.values().removeIf(List::isEmpty);
  }

  /** Whether a piece nobody fetches is still missing: another source would have work at once. */
  boolean hasUnclaimed() {
    int count = layout.count();
    for (int piece = verified.nextClearBit(0); piece < count; piece = verified.nextClearBit(piece + 1)) {
      if (!fetching.containsKey(piece)) {
        return true;
      }
    }
    return false;
  }

  boolean complete() {
    return verified.cardinality() == layout.count();
  }

  boolean isVerified(int piece) {
    return verified.get(piece);
  }

  /** The bytes of the verified pieces. */
  long verifiedBytes() {
    long bytes = 0;
    for (int piece = verified.nextSetBit(0); piece >= 0; piece = verified.nextSetBit(piece + 1)) {
      bytes += layout.length(piece);
    }
    return bytes;
  }
}
