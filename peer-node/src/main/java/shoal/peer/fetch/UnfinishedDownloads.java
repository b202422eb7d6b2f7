package shoal.peer.fetch;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import shoal.peer.share.Sha256;

/**
 * What lets a download outlive its node: beside its partial data, a small record
 * ({@code <sha256>.download}, JSON) saying that the download is wanted. A node that starts again,
 * after a stop or a {@code kill -9}, carries on with every recorded download from the bytes on
 * disk, and removes partial data that no record owns. Every method blocks: call from a worker.
 */
final class UnfinishedDownloads {

  private static final Logger LOG = LoggerFactory.getLogger(UnfinishedDownloads.class);
  private static final String RECORD = ".download";
  /** What a recorded download may own beside its record: its bytes, and the pieces among them that matched. */
  private static final List<String> OWNED = List.of(".part", ".have");

  private final Path dir;

  UnfinishedDownloads(Path partialDir) {
    this.dir = partialDir;
  }

  /** Records that {@code sha256} is wanted; written whole or not at all (a rename), so a crash never leaves half a record. */
  void remember(String sha256, String name, long size) throws IOException {
    Files.createDirectories(dir);
    Path temporary = dir.resolve(sha256 + RECORD + ".tmp");
    Files.writeString(temporary, new JsonObject().put("sha256", sha256).put("name", name).put("size", size).encode());
    Files.move(temporary, dir.resolve(sha256 + RECORD), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  void forget(String sha256) throws IOException {
    Files.deleteIfExists(dir.resolve(sha256 + RECORD));
  }

  /**
   * Forgets {@code sha256} with the partial data it owns: for a download that ends without having
   * opened that data in this run (one resumed into waiting for a holder, say), whose fetch cannot
   * remove it.
   */
  void forgetWithData(String sha256) throws IOException {
    for (String suffix : OWNED) {
      Files.deleteIfExists(dir.resolve(sha256 + suffix));
    }
    forget(sha256);
  }

  /**
   * The SHA-256 of every recorded download, after removing what no record owns: partial files of
   * downloads that were cancelled, failed or finished while the node was going down, half-written
   * records, spare copies of pieces, and anything else in the folder.
   */
  List<String> recordedSweepingTheRest() throws IOException {
    List<String> recorded = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return recorded;
    }
    try (Stream<Path> entries = Files.list(dir)) {
      for (Path entry : entries.toList()) {
        String name = entry.getFileName().toString();
        if (name.endsWith(RECORD) && Sha256.isValid(name.substring(0, name.length() - RECORD.length()))) {
          recorded.add(name.substring(0, name.length() - RECORD.length()));
        }
      }
    }
    try (Stream<Path> entries = Files.list(dir)) {
      for (Path entry : entries.toList()) {
        String name = entry.getFileName().toString();
        boolean owned = recorded.stream().anyMatch(sha256 -> name.equals(sha256 + RECORD)
            || OWNED.stream().anyMatch(suffix -> name.equals(sha256 + suffix)));
        if (!owned && Files.isRegularFile(entry)) {
          LOG.info("removing {}: no unfinished download owns it", entry);
          Files.delete(entry);
        }
      }
    }
    return recorded;
  }
}
