package shoal.peer.fetch;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import shoal.peer.share.PieceLayout;

/**
 * Which piece each source fetches next: rarest first, as BitTorrent clients pick. Every source
 * takes one piece at a time, among those it holds that are neither verified nor being fetched,
 * the one the fewest of this download's sources hold: what only one source has is fetched from it
 * while it is there, and a seed's upload goes to pieces the other downloaders cannot pass on yet.
 * Among equally rare pieces the search runs on from a piece chosen at random for each download,
 * wrapping round, so that downloaders that start together from one seed ask it for different
 * pieces and soon have pieces to give each other. A faster source simply comes back for more
 * sooner and takes more pieces.
 *
 * <p>When no piece is left unclaimed, an idle source takes the piece another has been fetching
 * the longest, if it holds it (endgame, as BitTorrent clients do): whichever of the two finishes
 * first wins, so a slow or stalled source never holds up the end. No piece is fetched by more than
 * two at once. Sources are named by their peer ids; a source holds every piece unless
 * {@link #sourceHolds} says otherwise. Lives on the download's context.
 */
final class PiecePicker {

  private static final int MOST_PER_PIECE = 2;

  private final PieceLayout layout;
  private final BitSet verified;
  private final int firstPiece;
  /** Pieces being fetched, in the order they were first claimed, with who fetches each. */
  private final Map<Integer, List<String>> fetching = new LinkedHashMap<>();
  private final Set<String> sources = new HashSet<>();
  /** The pieces of the sources that hold only some (they are still downloading the file themselves). */
  private final Map<String, BitSet> partialSources = new HashMap<>();

  /**
   * @param verified the pieces already held and checked (not kept: a copy is taken)
   * @param firstPiece where the search among equally rare pieces starts
   */
  PiecePicker(PieceLayout layout, BitSet verified, int firstPiece) {
    this.layout = layout;
    this.verified = (BitSet) verified.clone();
    this.firstPiece = layout.count() == 0 ? 0 : Math.floorMod(firstPiece, layout.count());
  }

  /** {@code source} is used from now on and holds {@code held} (not kept), or every piece when null. */
  void sourceHolds(String source, BitSet held) {
    sources.add(source);
    if (held == null || held.cardinality() >= layout.count()) {
      partialSources.remove(source);
    } else {
      partialSources.put(source, (BitSet) held.clone());
    }
  }

  /** {@code source} is no longer used: the pieces it was fetching are free for others again. */
  void sourceGone(String source) {
    sources.remove(source);
    partialSources.remove(source);
    fetching.values().forEach(fetchers -> fetchers.remove(source));
    fetching.values().removeIf(List::isEmpty);
  }

  /** The piece {@code source} fetches next, claimed for it; empty when there is nothing for it to do. */
  OptionalInt claim(String source) {
    BitSet held = partialSources.get(source);
    int count = layout.count();
    int chosen = -1;
    int fewest = Integer.MAX_VALUE;
    for (int i = 0; i < count && fewest > 1; i++) {
      int piece = (firstPiece + i) % count;
      if (verified.get(piece) || fetching.containsKey(piece) || (held != null && !held.get(piece))) {
        continue;
      }
      int holders = holders(piece);
      if (holders < fewest) {
        chosen = piece;
        fewest = holders;
      }
    }
    if (chosen >= 0) {
      fetching.put(chosen, new ArrayList<>(List.of(source)));
      return OptionalInt.of(chosen);
    }
    for (Map.Entry<Integer, List<String>> claimed : fetching.entrySet()) {
      List<String> fetchers = claimed.getValue();
      if (fetchers.size() < MOST_PER_PIECE && !fetchers.contains(source)
          && (held == null || held.get(claimed.getKey()))) {
        fetchers.add(source);
        return OptionalInt.of(claimed.getKey());
      }
    }
    return OptionalInt.empty();
  }

  /** How many of the sources in use hold {@code piece}. */
  private int holders(int piece) {
    int holders = sources.size() - partialSources.size();
    for (BitSet held : partialSources.values()) {
      if (held.get(piece)) {
        holders++;
      }
    }
    return holders;
  }

  /** {@code source} no longer fetches {@code piece}, which stays unverified: others may take it. */
  void returned(int piece, String source) {
    List<String> fetchers = fetching.get(piece);
    if (fetchers != null) {
      fetchers.remove(source);
      if (fetchers.isEmpty()) {
        fetching.remove(piece);
      }
    }
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

  /** The verified pieces; a copy. */
  BitSet verifiedPieces() {
    return (BitSet) verified.clone();
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
