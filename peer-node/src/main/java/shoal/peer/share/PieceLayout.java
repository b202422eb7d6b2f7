package shoal.peer.share;

/**
 * How a file of a given size is cut into pieces: a pure function of the size, so every peer cuts a
 * file the same way and a downloader can ask any holder for "piece 17" and check it against the
 * hash another holder gave.
 *
 * <p>The piece size is {@code clamp(nextPowerOfTwo(ceil(size / 1024)), 4 MiB, 64 MiB)}: every file
 * up to 4 GiB has 4 MiB pieces, larger ones up to 64 GiB keep about 1 024 pieces, and beyond that
 * pieces stay at 64 MiB. A few MiB per HTTP range keeps the cost of a request (its head, its round
 * trip) well under one percent of the time its bytes take, and a corrupt piece costs at most that
 * much again; a few hundred or thousand pieces give several sources enough pieces to share the work
 * until the last moment, and keep the list of piece hashes (32 bytes each) small. A power of two
 * that is a multiple of 1 MiB lines pieces up with the 1 MiB chunks files are read in. A file of
 * at most one piece is its own piece, and an empty file has none.
 */
public final class PieceLayout {

  public static final int MIN_PIECE_SIZE = 4 << 20;
  public static final int MAX_PIECE_SIZE = 64 << 20;
  /** About how many pieces a file between 4 and 64 GiB is cut into. */
  private static final long TARGET_PIECES = 1024;

  private final long size;
  private final int pieceSize;
  private final int count;

  private PieceLayout(long size, int pieceSize) {
    this.size = size;
    this.pieceSize = pieceSize;
    // At most 2^53 / 2^26 = 2^27 pieces for the largest size Shoal allows: an int is enough.
    this.count = Math.toIntExact((size + pieceSize - 1) / pieceSize);
  }

  /** The layout of a file of {@code size} bytes, {@code 0 <= size <= 2^53 - 1}. */
  public static PieceLayout of(long size) {
    if (size < 0 || size > (1L << 53) - 1) {
      throw new IllegalArgumentException("no file has " + size + " bytes");
    }
    long wanted = nextPowerOfTwo((size + TARGET_PIECES - 1) / TARGET_PIECES);
    return new PieceLayout(size, (int) Math.min(MAX_PIECE_SIZE, Math.max(MIN_PIECE_SIZE, wanted)));
  }

  private static long nextPowerOfTwo(long n) {
    return n <= 1 ? 1 : Long.highestOneBit(n - 1) << 1;
  }

  public long size() {
    return size;
  }

  public int pieceSize() {
    return pieceSize;
  }

  public int count() {
    return count;
  }

  /** The offset of the first byte of {@code piece}. */
  public long start(int piece) {
    checkPiece(piece);
    return (long) piece * pieceSize;
  }

  /** The bytes in {@code piece}: the piece size, or less for the last piece. */
  public int length(int piece) {
    return (int) Math.min(pieceSize, size - start(piece));
  }

  /** The piece holding the byte at {@code offset}. */
  public int pieceAt(long offset) {
    if (offset < 0 || offset >= size) {
      throw new IndexOutOfBoundsException("offset " + offset + " is outside a file of " + size + " bytes");
    }
    return (int) (offset / pieceSize);
  }

  private void checkPiece(int piece) {
    if (piece < 0 || piece >= count) {
      throw new IndexOutOfBoundsException("piece " + piece + " of a file of " + count + " pieces");
    }
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof PieceLayout layout && layout.size == size && layout.pieceSize == pieceSize;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(size) * 31 + pieceSize;
  }

  @Override
  public String toString() {
    return count + " pieces of " + pieceSize + " bytes for " + size + " bytes";
  }
}
