package shoal.peer.share;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Hashes a file and its pieces in one read. Reading is shared, hashing is not: SHA-256 of the whole
 * file cannot be derived from the pieces' (nor the reverse), so each byte goes through two digests.
 * To keep that from doubling the time a scan takes, the pieces' digest runs on a helper thread,
 * fed the very chunks the reading thread hashes for the whole file, a few buffers ahead; the time
 * is then that of one read and one digest, given a free core. Blocking.
 */
final class FileHasher {

  /** The file's hash and its pieces' hashes. */
  record Hashed(String sha256, PieceHashes pieces) {}

  /** A 1 MiB chunk divides every piece size, so a chunk never straddles two pieces. */
  private static final int CHUNK = 1 << 20;
  /** Chunks in flight between the two threads: enough to smooth out their pace, little memory. */
  private static final int BUFFERS = 4;

  private FileHasher() {}

  /**
   * The SHA-256 of the first {@code size} bytes of {@code file} and of each of its pieces, reading
   * it once. A file that turns out shorter or longer than {@code size} (written to while read)
   * fails: its hashes would describe neither the old nor the new content.
   *
   * @param helper runs the pieces' digest beside this thread
   * @param stopped asked between chunks; true aborts with an {@link InterruptedIOException}
   */
  static Hashed hashWithPieces(Path file, long size, Executor helper, BooleanSupplier stopped) throws IOException {
    PieceLayout layout = PieceLayout.of(size);
    MessageDigest whole = Sha256.newDigest();
    if (layout.count() <= 1) {
      // One piece is the whole file: no second digest to run.
      read(file, size, stopped, (chunk, length) -> whole.update(chunk, 0, length), new byte[CHUNK]);
      String sha256 = Sha256.hex(whole);
      return new Hashed(sha256, PieceHashes.ofWholeFile(size, sha256));
    }
    BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(BUFFERS);
    for (int i = 0; i < BUFFERS; i++) {
      free.add(new byte[CHUNK]);
    }
    // One more slot than buffers, so the end mark always fits even when every buffer is queued.
    BlockingQueue<Chunk> filled = new ArrayBlockingQueue<>(BUFFERS + 1);
    PieceDigests pieces = new PieceDigests(layout);
    CompletableFuture<PieceHashes> piecesDone = CompletableFuture.supplyAsync(() -> {
      try {
        for (Chunk chunk = filled.take(); chunk.length() >= 0; chunk = filled.take()) {
          pieces.update(chunk.bytes(), chunk.length());
          free.add(chunk.bytes());
        }
        return pieces.done();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CompletionException(new InterruptedIOException("hashing pieces was interrupted"));
      }
    }, helper);
    try {
      read(file, size, stopped, (chunk, length) -> {
        whole.update(chunk, 0, length);
        filled.add(new Chunk(chunk, length));
      }, () -> take(free, stopped));
    } finally {
      filled.add(Chunk.END);
    }
    try {
      return new Hashed(Sha256.hex(whole), piecesDone.join());
    } catch (CompletionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException("hashing pieces failed", e.getCause());
    }
  }

  /** The SHA-256 of each piece of the first {@code size} bytes of {@code file}, for a file whose own hash is known. */
  static PieceHashes hashPieces(Path file, long size, BooleanSupplier stopped) throws IOException {
    PieceDigests pieces = new PieceDigests(PieceLayout.of(size));
    read(file, size, stopped, pieces::update, new byte[CHUNK]);
    return pieces.done();
  }

  private interface ChunkSink {
    void accept(byte[] chunk, int length) throws IOException;
  }

  private interface Buffers {
    byte[] next() throws IOException;
  }

  private record Chunk(byte[] bytes, int length) {
    static final Chunk END = new Chunk(new byte[0], -1);
  }

  private static void read(Path file, long size, BooleanSupplier stopped, ChunkSink sink, byte[] buffer) throws IOException {
    read(file, size, stopped, sink, () -> buffer);
  }

  private static void read(Path file, long size, BooleanSupplier stopped, ChunkSink sink, Buffers buffers) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      for (long left = size; left > 0; ) {
        if (stopped.getAsBoolean()) {
          throw new InterruptedIOException("hashing " + file + " was stopped");
        }
        byte[] chunk = buffers.next();
        int wanted = (int) Math.min(CHUNK, left);
        int read = in.readNBytes(chunk, 0, wanted);
        if (read < wanted) {
          throw new IOException(file + " shrank while it was hashed");
        }
        sink.accept(chunk, read);
        left -= read;
      }
      if (in.read() >= 0) {
        throw new IOException(file + " grew while it was hashed");
      }
    }
  }

  /** The next free buffer; waits in short steps, so that a stop is noticed even if the helper never ran. */
  private static byte[] take(BlockingQueue<byte[]> free, BooleanSupplier stopped) throws InterruptedIOException {
    try {
      byte[] buffer;
      while ((buffer = free.poll(100, TimeUnit.MILLISECONDS)) == null) {
        if (stopped.getAsBoolean()) {
          throw new InterruptedIOException("hashing was stopped");
        }
      }
      return buffer;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("hashing was interrupted");
    }
  }

  /** One digest per piece, fed the file's bytes in order. Used by one thread at a time. */
  private static final class PieceDigests {
    private final PieceLayout layout;
    private final byte[] digests;
    private final MessageDigest digest = Sha256.newDigest();
    private int piece;
    private long leftInPiece;

    PieceDigests(PieceLayout layout) {
      this.layout = layout;
      this.digests = new byte[Math.multiplyExact(layout.count(), PieceHashes.DIGEST_BYTES)];
      this.leftInPiece = layout.count() == 0 ? 0 : layout.length(0);
    }

    void update(byte[] bytes, int length) {
      int offset = 0;
      while (offset < length) {
        if (piece == layout.count()) {
          throw new IllegalStateException("more bytes than " + layout);
        }
        int taken = (int) Math.min(length - offset, leftInPiece);
        digest.update(bytes, offset, taken);
        offset += taken;
        leftInPiece -= taken;
        if (leftInPiece == 0) {
          finishPiece();
        }
      }
    }

    private void finishPiece() {
      try {
        digest.digest(digests, piece * PieceHashes.DIGEST_BYTES, PieceHashes.DIGEST_BYTES);
      } catch (java.security.DigestException e) {
        throw new IllegalStateException("a SHA-256 digest is 32 bytes", e);
      }
      piece++;
      leftInPiece = piece < layout.count() ? layout.length(piece) : 0;
    }

    PieceHashes done() {
      if (piece != layout.count()) {
        throw new IllegalStateException("hashed " + piece + " of " + layout);
      }
      return new PieceHashes(layout, digests);
    }
  }
}
