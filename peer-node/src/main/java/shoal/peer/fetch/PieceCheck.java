package shoal.peer.fetch;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import shoal.peer.share.PieceHashes;
import shoal.peer.share.PieceLayout;
import shoal.peer.share.Sha256;

/**
 * Checks a file's pieces as its bytes go by in order, against the piece hashes a holder listed,
 * and remembers the end of the last piece that matched with the whole-file digest as it stood
 * there: a wrong piece is caught when its last byte arrives, and the file can be cut back to
 * where it was last right. Used by one worker task at a time (ordered), never concurrently.
 */
final class PieceCheck {

  private final PieceHashes expected;
  private final PieceLayout layout;
  private MessageDigest piece = Sha256.newDigest();
  private long position;
  private long verifiedLength;
  private MessageDigest verifiedDigest;
  private int wrongPiece = -1;

  /**
   * @param start where the bytes to come begin: the end of a verified piece (or 0)
   * @param fileDigest the whole-file digest of the bytes before {@code start}
   */
  PieceCheck(PieceHashes expected, long start, MessageDigest fileDigest) {
    this.expected = expected;
    this.layout = expected.layout();
    this.position = start;
    this.verifiedLength = start;
    this.verifiedDigest = Sha256.copy(fileDigest);
  }

  /** How many of the next bytes belong to the piece under way: feed no more than that at once. */
  int roomInPiece() {
    int current = layout.pieceAt(position);
    return (int) (layout.start(current) + layout.length(current) - position);
  }

  /**
   * Takes bytes of the piece under way (at most {@link #roomInPiece()}), already added to
   * {@code fileDigest}; answers false when they completed a piece that does not match.
   */
  boolean accept(ByteBuffer bytes, MessageDigest fileDigest) {
    int current = layout.pieceAt(position);
    position += bytes.remaining();
    piece.update(bytes);
    if (position < layout.start(current) + layout.length(current)) {
      return true;
    }
    if (!expected.matches(current, piece.digest())) {
      wrongPiece = current;
      return false;
    }
    verifiedLength = position;
    verifiedDigest = Sha256.copy(fileDigest);
    return true;
  }

  /** The piece that did not match; -1 while none has failed. */
  int wrongPiece() {
    return wrongPiece;
  }

  /** The end of the last piece that matched. */
  long verifiedLength() {
    return verifiedLength;
  }

  /** The whole-file digest of the bytes up to {@link #verifiedLength()}; a copy. */
  MessageDigest verifiedDigest() {
    return Sha256.copy(verifiedDigest);
  }
}
