package shoal.peer.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
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

  public static String text(Path file, String content) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, content);
    return Sha256.ofFile(file);
  }
}
