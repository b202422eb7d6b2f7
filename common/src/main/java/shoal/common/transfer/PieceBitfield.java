package shoal.common.transfer;

import java.util.Base64;
import java.util.BitSet;

/**
 * Which pieces of a file a peer holds verified, on the wire: base64 (standard alphabet, padded) of
 * {@code ceil(count / 8)} bytes, piece 0 in the most significant bit of the first byte, as
 * BitTorrent's bitfield. The spare bits after the last piece are zero, so every set of pieces has
 * exactly one spelling. A peer sends it to the tracker and answers it with its piece list; both
 * ends read it with {@link #decode}, which refuses anything else.
 */
public final class PieceBitfield {

  private PieceBitfield() {}

  /** {@code pieces} (numbers below {@code count}) as a bitfield of {@code count} pieces. */
  public static String encode(BitSet pieces, int count) {
    byte[] bytes = new byte[(count + 7) / 8];
    for (int piece = pieces.nextSetBit(0); piece >= 0 && piece < count; piece = pieces.nextSetBit(piece + 1)) {
      bytes[piece / 8] |= (byte) (0x80 >>> (piece % 8));
    }
    return Base64.getEncoder().encodeToString(bytes);
  }

  /**
   * The pieces {@code bitfield} names, of a file of {@code count} pieces; throws
   * IllegalArgumentException, with a sentence, for anything that is not such a bitfield.
   */
  public static BitSet decode(String bitfield, int count) {
    byte[] bytes = checkedBytes(bitfield, count);
    BitSet pieces = new BitSet(count);
    for (int piece = 0; piece < count; piece++) {
      if ((bytes[piece / 8] & (0x80 >>> (piece % 8))) != 0) {
        pieces.set(piece);
      }
    }
    return pieces;
  }

  /**
   * The bytes of {@code bitfield}, once checked to be a bitfield of {@code count} pieces, for a
   * holder that keeps it as it came; throws IllegalArgumentException, with a sentence, otherwise.
   */
  public static byte[] checkedBytes(String bitfield, int count) {
    if (bitfield == null) {
      throw new IllegalArgumentException("The bitfield of pieces is missing.");
    }
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(bitfield);
    } catch (IllegalArgumentException notBase64) {
      throw new IllegalArgumentException("The bitfield of pieces is not base64.");
    }
    if (bytes.length != (count + 7) / 8) {
      throw new IllegalArgumentException("The bitfield of pieces has " + bytes.length + " bytes; " + count
          + " pieces take " + (count + 7) / 8 + ".");
    }
    // The last byte's low bits after piece count - 1 name no piece, and must be zero.
    int spare = count % 8 == 0 ? 0 : bytes[bytes.length - 1] & ((1 << (8 - count % 8)) - 1);
    if (spare != 0) {
      int piece = (bytes.length - 1) * 8 + 7 - (31 - Integer.numberOfLeadingZeros(spare));
      throw new IllegalArgumentException("The bitfield of pieces names piece " + piece + " of a file of " + count + ".");
    }
    return bytes;
  }

  /** How many pieces a checked bitfield's bytes name. */
  public static int countPieces(byte[] bytes) {
    int pieces = 0;
    for (byte b : bytes) {
      pieces += Integer.bitCount(b & 0xff);
    }
    return pieces;
  }
}
