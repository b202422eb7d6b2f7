package shoal.peer.demo;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** The demo's shared folders: a few small text files and random "media", one of them held by two peers. */
final class SampleFiles {

  private static final int MIB = 1 << 20;

  private SampleFiles() {}

  /** Writes the samples once; later runs find them (and their cached hashes) in place. */
  static void create(Path peer1, Path peer2, Path peer3) throws IOException {
    text(peer1.resolve("welcome.txt"), "Welcome to Shoal. Every peer in this demo shares a folder under ./data/demo.\n");
    random(peer1.resolve("holiday-video.bin"), 24, 1);
    random(peer2.resolve("holiday-video.bin"), 24, 1);
    text(peer2.resolve("recipes/pancakes.md"), "# Pancakes\n\n2 eggs, 250 ml milk, 125 g flour, a pinch of salt.\n");
    random(peer2.resolve("album/track-01.bin"), 6, 2);
    random(peer3.resolve("dataset.bin"), 48, 3);
    text(peer3.resolve("README.txt"), "peer-3 holds a dataset the others can download.\n");
  }

  private static void text(Path file, String content) throws IOException {
    if (!Files.exists(file)) {
      Files.createDirectories(file.getParent());
      Files.writeString(file, content, StandardCharsets.UTF_8);
    }
  }

  /** {@code mebibytes} of pseudo-random bytes from {@code seed}: the same seed gives the same file. */
  static void random(Path file, int mebibytes, long seed) throws IOException {
    if (Files.exists(file)) {
      return;
    }
    Files.createDirectories(file.getParent());
    SplittableRandom random = new SplittableRandom(seed);
    byte[] chunk = new byte[MIB];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (int i = 0; i < mebibytes; i++) {
        random.nextBytes(chunk);
        out.write(chunk);
      }
    }
  }
}
