package shoal.peer.fetch;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import shoal.common.files.SafeFileName;
import shoal.peer.share.Sha256;

/**
 * Moves a verified download into the target folder in one rename, under a name made safe from
 * the one its holder suggested ({@link SafeFileName}), and never over another file: a name already taken gets
 * {@code " (1)"}, {@code " (2)"}, … before its extension. A file already there with the same
 * content is kept and the download is dropped, so downloading twice does not make copies.
 */
final class TargetFolder {

  private TargetFolder() {}

  /** Blocking: call from a worker. Answers where the file now is. */
  static Path place(Path verified, Path dir, String suggestedName, String sha256, long size) throws IOException {
    Files.createDirectories(dir);
    String fileName = SafeFileName.sanitize(suggestedName, sha256);
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

  static String numbered(String fileName, int copy) {
    int dot = fileName.lastIndexOf('.');
    return dot > 0 ? fileName.substring(0, dot) + " (" + copy + ")" + fileName.substring(dot)
        : fileName + " (" + copy + ")";
  }
}
