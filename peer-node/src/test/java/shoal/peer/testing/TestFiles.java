package shoal.peer.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.SplittableRandom;
import shoal.peer.share.PieceLayout;
import shoal.peer.share.Sha256;

/** Files for tests: random content made fast (a PRNG, 1 MiB at a time), never held whole in memory. */
public final class TestFiles {

  private static final int MIB = 1 << 20;

  private TestFiles() {}

  /** Writes {@code bytes} pseudo-random bytes from {@code seed} and returns the file's SHA-256. */
  public static String random(Path file, long bytes, long seed) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    SplittableRandom random = new SplittableRandom(seed);
    byte[] chunk = new byte[MIB];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long left = bytes; left > 0; left -= MIB) {
        random.nextBytes(chunk);
        out.write(chunk, 0, (int) Math.min(MIB, left));
      }
    }
    return Sha256.ofFile(file);
  }

  /**
   * Zeroes 4 KiB inside every piece of {@code file}, keeping its modification time, so that a
   * node that has already hashed it goes on serving it under its old SHA-256: a rotten holder.
   */
  public static void rotEveryPiece(Path file) throws IOException {
    FileTime modified = Files.getLastModifiedTime(file);
    PieceLayout layout = PieceLayout.of(Files.size(file));
    try (RandomAccessFile raw = new RandomAccessFile(file.toFile(), "rw")) {
      for (int piece = 0; piece < layout.count(); piece++) {
        raw.seek(layout.start(piece) + 4096);
        raw.write(new byte[4096]);
      }
    }
    Files.setLastModifiedTime(file, modified);
  }

  public static String text(Path file, String content) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, content);
    return Sha256.ofFile(file);
  }
}
