package shoal.peer.fetch;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import shoal.peer.share.Sha256;

/**
 * Moves a verified download into the target folder in one rename, under a name made safe from
 * the one its holder suggested, and never over another file: a name already taken gets
 * {@code " (1)"}, {@code " (2)"}, … before its extension. A file already there with the same
 * content is kept and the download is dropped, so downloading twice does not make copies.
 */
final class TargetFolder {

  private TargetFolder() {}

  /** Blocking: call from a worker. Answers where the file now is. */
  static Path place(Path verified, Path dir, String suggestedName, String sha256, long size) throws IOException {
    Files.createDirectories(dir);
    String fileName = safeFileName(suggestedName, sha256);
    for (int copy = 0; ; copy++) {
      Path target = dir.resolve(copy == 0 ? fileName : numbered(fileName, copy));
      if (Files.isRegularFile(target) && Files.size(target) == size && Sha256.ofFile(target).equals(sha256)) {
        Files.delete(verified);
        return target;
      }
      try {
        return Files.move(verified, target);
      } catch (FileAlreadyExistsException e) {
        // another file has this name: try the next number
      }
    }
  }

  /** The name to save as: its last path segment, without control characters, never hidden. */
  static String safeFileName(String name, String sha256) {
    String base = name == null ? "" : name.replace('\\', '/');
    base = base.substring(base.lastIndexOf('/') + 1).chars()
        .filter(c -> !Character.isISOControl(c))
        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
        .toString().trim();
    while (base.startsWith(".")) {
      base = base.substring(1);
    }
    return base.isEmpty() ? sha256 : base;
  }

  static String numbered(String fileName, int copy) {
    int dot = fileName.lastIndexOf('.');
    return dot > 0 ? fileName.substring(0, dot) + " (" + copy + ")" + fileName.substring(dot)
        : fileName + " (" + copy + ")";
  }
}
