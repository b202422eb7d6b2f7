package shoal.peer.share;

import java.nio.file.Path;
import java.util.BitSet;
import shoal.common.transfer.PieceBitfield;

/**
 * A file this peer is still downloading, as far as it may serve it: the pieces it has verified,
 * at one moment. Never changed once made; a newly verified piece makes a new one.
 *
 * @param name the name it will be saved under
 * @param path the part file the pieces lie in, outside the share folder
 * @param pieces the hashes every piece was checked against
 */
public record PartialShare(String sha256, String name, Path path, PieceHashes pieces, BitSet verified) {

  public PartialShare {
    verified = (BitSet) verified.clone();
  }

  /** The verified pieces; a copy. */
  @Override
  public BitSet verified() {
    return (BitSet) verified.clone();
  }

  public long size() {
    return pieces.layout().size();
  }

  /** How many pieces are verified. */
  public int have() {
    return verified.cardinality();
  }

  /** Whether every byte from {@code first} to {@code last} (inclusive) lies in a verified piece. */
  public boolean holds(long first, long last) {
    PieceLayout layout = pieces.layout();
    if (first < 0 || last < first || last >= layout.size()) {
      return false;
    }
    int end = layout.pieceAt(last);
    for (int piece = layout.pieceAt(first); piece <= end; piece++) {
      if (!verified.get(piece)) {
        return false;
      }
    }
    return true;
  }

  /** The verified pieces as the wire's bitfield ({@link PieceBitfield}). */
  public String bitfield() {
    return PieceBitfield.encode(verified, pieces.count());
  }
}
