package shoal.peer.share;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Piece hashes kept on disk, so a restart does not read every large file again: one file per
 * file hash, {@code <dir>/<sha256>}, holding the file's size (8 bytes), its piece size (4 bytes)
 * and the pieces' digests (32 bytes each), read back only when all three agree with
 * {@link PieceLayout}. Files of one piece or none are not stored: their pieces follow from the file
 * hash alone.
 *
 * <p>Kept by the file's hash, not its path, because the {@link HashCache} already decides whether a
 * file is unchanged (same path, size and modification time): the scanner looks piece hashes up
 * only under a hash that entry vouches for, so they are valid exactly as long as the file hash is,
 * and a file that changes gets a new hash and new pieces.
 *
 * <p>Holds no state but the folder, so the scanning and back-filling workers may use it at once:
 * each write goes through a temporary file of its own and lands in one atomic move (two writes of
 * one hash write the same bytes), and a file deleted for a hash that left the share while its
 * pieces were being hashed is written again only to be deleted by the next scan.
 */
final class PieceHashStore {

  private static final Logger LOG = LoggerFactory.getLogger(PieceHashStore.class);
  private static final int HEADER_BYTES = Long.BYTES + Integer.BYTES;
  private static final String TEMPORARY = ".tmp";

  private final Path dir;

  PieceHashStore(Path dir) {
    this.dir = dir;
  }

  /** The stored pieces of the file with this hash and size, if any are stored and intact. Blocking. */
  Optional<PieceHashes> load(String sha256, long size) {
    PieceLayout layout = PieceLayout.of(size);
    Path file = dir.resolve(sha256);
    try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
      if (Files.size(file) != HEADER_BYTES + (long) layout.count() * PieceHashes.DIGEST_BYTES
          || in.readLong() != size || in.readInt() != layout.pieceSize()) {
        LOG.debug("ignoring {}: it was made for another size or layout", file);
        return Optional.empty();
      }
      byte[] digests = new byte[layout.count() * PieceHashes.DIGEST_BYTES];
      in.readFully(digests);
      return Optional.of(new PieceHashes(layout, digests));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      LOG.debug("ignoring the unreadable {}: {}", file, e.getMessage());
      return Optional.empty();
    }
  }

  /** Keeps the pieces of the file with this hash, replacing any old file in one step. Blocking. */
  void save(String sha256, PieceHashes pieces) {
    if (pieces.count() <= 1) {
      return;
    }
    Path temp = null;
    try {
      Files.createDirectories(dir);
      temp = Files.createTempFile(dir, sha256 + ".", TEMPORARY);
      try (OutputStream file = Files.newOutputStream(temp); DataOutputStream out = new DataOutputStream(file)) {
        out.writeLong(pieces.layout().size());
        out.writeInt(pieces.layout().pieceSize());
        out.write(pieces.bytes());
      }
      Files.move(temp, dir.resolve(sha256), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      // Only costs reading the file again after a restart.
      LOG.warn("could not save the piece hashes of {} in {}: {}", sha256, dir, e.getMessage());
      deleteQuietly(temp);
    }
  }

  /** Deletes the pieces of every file hash not in {@code shared}, so the store never outgrows the share. Blocking. */
  void retainOnly(Set<String> shared) {
    for (Path file : list()) {
      String name = file.getFileName().toString();
      if (Sha256.isValid(name) && !shared.contains(name)) {
        deleteQuietly(file);
      }
    }
  }

  /**
   * Deletes the temporary files a crash left in the middle of a save. Blocking; only while nothing
   * else writes, as it cannot tell them from the temporary file of a save in progress.
   */
  void deleteLeftovers() {
    for (Path file : list()) {
      if (file.getFileName().toString().endsWith(TEMPORARY)) {
        deleteQuietly(file);
      }
    }
  }

  private List<Path> list() {
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> listing = Files.newDirectoryStream(dir)) {
      listing.forEach(files::add);
    } catch (NoSuchFileException e) {
      // first start
    } catch (IOException e) {
      LOG.warn("ignoring the unreadable piece hash folder {}: {}", dir, e.getMessage());
    }
    return files;
  }

  private static void deleteQuietly(Path file) {
    if (file == null) {
      return;
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.debug("could not delete {}: {}", file, e.getMessage());
    }
  }
}
