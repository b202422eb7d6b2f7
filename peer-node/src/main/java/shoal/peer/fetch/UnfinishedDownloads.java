package shoal.peer.fetch;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import shoal.peer.share.Sha256;

/**
 * What lets a download outlive its node: beside its partial data, a small record
 * ({@code <sha256>.download}, JSON) saying that the download is wanted, and for a download waiting
 * for a file by its name, {@code name-<SHA-256 of the name>.wait} ({@code {"name"}}). A node that
 * starts again, after a stop or a {@code kill -9}, carries on with every recorded download from the
 * bytes on disk, waits again for every recorded name, and removes partial data that no record
 * owns. Every method blocks: call from a worker.
 */
final class UnfinishedDownloads {

  private static final Logger LOG = LoggerFactory.getLogger(UnfinishedDownloads.class);
  private static final String RECORD = ".download";
  private static final String NAME_WAIT_PREFIX = "name-";
  private static final String NAME_WAIT = ".wait";
  /** What a recorded download may own beside its record: its bytes, and the pieces among them that matched. */
  private static final List<String> OWNED = List.of(".part", ".have");

  /** A blocking step on these records. */
  interface Io {
    void run() throws IOException;
  }

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

  /** Records that a file called {@code name} is waited for; as {@link #remember}, whole or not at all. */
  void rememberWait(String name) throws IOException {
    Files.createDirectories(dir);
    Path record = nameWait(name);
    Path temporary = record.resolveSibling(record.getFileName() + ".tmp");
    Files.writeString(temporary, new JsonObject().put("name", name).encode());
    Files.move(temporary, record, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  void forgetWait(String name) throws IOException {
    Files.deleteIfExists(nameWait(name));
  }

  /**
   * Every recorded download, by SHA-256, and every recorded wait, by name, after removing what no
   * record owns: partial files of downloads that were cancelled, failed or finished while the node
   * was going down, half-written records, spare copies of pieces, and anything else in the folder.
   */
  List<WantedFile> recordedSweepingTheRest() throws IOException {
    List<String> recorded = new ArrayList<>();
    List<WantedFile> wanted = new ArrayList<>();
    List<Path> waits = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return wanted;
    }
    try (Stream<Path> entries = Files.list(dir)) {
      for (Path entry : entries.toList()) {
        String name = entry.getFileName().toString();
        if (name.endsWith(RECORD) && Sha256.isValid(name.substring(0, name.length() - RECORD.length()))) {
          recorded.add(name.substring(0, name.length() - RECORD.length()));
          wanted.add(WantedFile.bySha256(name.substring(0, name.length() - RECORD.length())));
        } else if (name.startsWith(NAME_WAIT_PREFIX) && name.endsWith(NAME_WAIT)) {
          waitedName(entry).ifPresent(waitedFor -> {
            waits.add(entry);
            wanted.add(WantedFile.byName(waitedFor));
          });
        }
      }
    }
    try (Stream<Path> entries = Files.list(dir)) {
      for (Path entry : entries.toList()) {
        String name = entry.getFileName().toString();
        boolean owned = waits.contains(entry) || recorded.stream().anyMatch(sha256 -> name.equals(sha256 + RECORD)
            || OWNED.stream().anyMatch(suffix -> name.equals(sha256 + suffix)));
        if (!owned && Files.isRegularFile(entry)) {
          LOG.info("removing {}: no unfinished download owns it", entry);
          Files.delete(entry);
        }
      }
    }
    return wanted;
  }

  /** Where the wait for {@code name} is recorded: named by the name's SHA-256, whatever characters the name has. */
  private Path nameWait(String name) {
    MessageDigest digest = Sha256.newDigest();
    digest.update(name.getBytes(StandardCharsets.UTF_8));
    return dir.resolve(NAME_WAIT_PREFIX + Sha256.hex(digest) + NAME_WAIT);
  }

  /** The name a wait record holds, if it is one this node wrote. */
  private Optional<String> waitedName(Path record) {
    try {
      String name = new JsonObject(Files.readString(record)).getString("name");
      return name != null && !name.isBlank() && nameWait(name).equals(record) ? Optional.of(name) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
