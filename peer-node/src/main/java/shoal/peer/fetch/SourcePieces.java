package shoal.peer.fetch;

import java.util.BitSet;
import shoal.peer.share.PieceHashes;

/**
 * What a holder answered for its piece list: the hashes, and which pieces it can serve.
 *
 * @param held the pieces a holder still downloading the file has verified; null for a whole holder
 */
record SourcePieces(PieceHashes hashes, BitSet held) {

  /** Whether the holder has every piece. */
  boolean isWhole() {
    return held == null || held.cardinality() == hashes.count();
  }

  /** Whether the list is the same as {@code other}'s: same layout, same hash for every piece. */
  boolean sameHashes(PieceHashes other) {
    return hashes.layout().equals(other.layout()) && hashes.hex().equals(other.hex());
  }
}
