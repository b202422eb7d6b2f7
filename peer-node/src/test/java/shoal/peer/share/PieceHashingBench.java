package shoal.peer.share;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import shoal.peer.NodeContext;
import shoal.peer.testing.TestFiles;

/**
 * How much piece hashing adds to a scan: times the hashing a scan did before pieces existed (one
 * digest, {@link Sha256#ofFile}) against a real {@link ShareScanner} scan with an empty cache (the
 * file and its pieces in one read), alternating, on a file already in the page cache so the disk
 * does not decide. Usage: {@code PieceHashingBench DIR [MiB] [rounds]}; prints milliseconds.
 */
public final class PieceHashingBench {

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    long mib = args.length > 1 ? Long.parseLong(args[1]) : 1024;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    Path share = Files.createDirectories(dir.resolve("share"));
    Path file = share.resolve("big.bin");
    TestFiles.random(file, mib << 20, 42);
    Sha256.ofFile(file); // into the page cache, and the JIT warmed up
    Vertx vertx = Vertx.vertx();
    try {
      for (int round = 1; round <= rounds; round++) {
        long started = System.nanoTime();
        Sha256.ofFile(file);
        long fileOnly = (System.nanoTime() - started) / 1_000_000;

        deleteTree(dir.resolve("state"));
        deleteTree(share.resolve(".shoal"));
        ShareScanner scanner = new ShareScanner(vertx, new NodeContext(vertx), share, new ShareIndex(), HashCache.load(dir.resolve("state/hashes.tsv")));
        started = System.nanoTime();
        scanner.scan().await(10, TimeUnit.MINUTES);
        long withPieces = (System.nanoTime() - started) / 1_000_000;
        scanner.stop();

        started = System.nanoTime();
        FileHasher.hashPieces(file, Files.size(file), () -> false);
        long piecesOnly = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("round %d, %d MiB: file hash only %d ms, scan with pieces %d ms (pieces alone %d ms)%n",
            round, mib, fileOnly, withPieces, piecesOnly);
      }
    } finally {
      vertx.close().await();
      deleteTree(dir);
    }
  }

  private static void deleteTree(Path path) throws IOException {
    if (Files.exists(path)) {
      try (Stream<Path> all = Files.walk(path)) {
        for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }
}
