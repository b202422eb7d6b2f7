package shoal.peer.share;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/** The SHA-256 of each piece of one file, as its {@link PieceLayout} cuts it. Immutable. */
public final class PieceHashes {

  static final int DIGEST_BYTES = 32;

  private final PieceLayout layout;
  private final byte[] digests;

  /** @param digests the pieces' digests one after the other, 32 bytes each; kept, not copied */
  PieceHashes(PieceLayout layout, byte[] digests) {
    if (digests.length != (long) layout.count() * DIGEST_BYTES) {
      throw new IllegalArgumentException(digests.length + " bytes of digests for " + layout);
    }
    this.layout = layout;
    this.digests = digests;
  }

  /**
   * The pieces of a file of at most one piece, known without reading it: its only piece is the
   * whole file, so the piece's hash is the file's.
   */
  public static PieceHashes ofWholeFile(long size, String sha256) {
    PieceLayout layout = PieceLayout.of(size);
    if (layout.count() > 1) {
      throw new IllegalArgumentException("a file of " + layout + " is not a single piece");
    }
    return new PieceHashes(layout, layout.count() == 0 ? new byte[0] : HexFormat.of().parseHex(sha256));
  }

  /**
   * The pieces a holder lists for a file of {@code size} bytes, as 64-character hex strings;
   * throws IllegalArgumentException when there are not exactly as many as the layout has, or one
   * is not a SHA-256.
   */
  public static PieceHashes fromHex(long size, List<String> hex) {
    PieceLayout layout = PieceLayout.of(size);
    if (hex.size() != layout.count()) {
      throw new IllegalArgumentException(hex.size() + " piece hashes for a file of " + layout.count() + " pieces");
    }
    byte[] digests = new byte[layout.count() * DIGEST_BYTES];
    for (int piece = 0; piece < hex.size(); piece++) {
      if (!Sha256.isValid(hex.get(piece))) {
        throw new IllegalArgumentException("piece " + piece + " has no SHA-256");
      }
      System.arraycopy(HexFormat.of().parseHex(hex.get(piece)), 0, digests, piece * DIGEST_BYTES, DIGEST_BYTES);
    }
    return new PieceHashes(layout, digests);
  }

  /** Whether {@code digest} (32 bytes) is piece {@code piece}'s. */
  public boolean matches(int piece, byte[] digest) {
    return Arrays.equals(digests, piece * DIGEST_BYTES, (piece + 1) * DIGEST_BYTES, digest, 0, DIGEST_BYTES);
  }

  public PieceLayout layout() {
    return layout;
  }

  public int count() {
    return layout.count();
  }

  /** Every piece's hash as 64 lowercase hex characters, made as they are read. */
  public List<String> hex() {
    return new AbstractList<>() {
      @Override
      public String get(int piece) {
        return HexFormat.of().formatHex(digests, piece * DIGEST_BYTES, (piece + 1) * DIGEST_BYTES);
      }

      @Override
      public int size() {
        return layout.count();
      }
    };
  }

  /** The digests one after the other, as stored; a copy. */
  byte[] bytes() {
    return digests.clone();
  }
}
