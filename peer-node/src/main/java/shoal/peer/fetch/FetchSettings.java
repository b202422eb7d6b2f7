package shoal.peer.fetch;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Where downloads go and how patient they are.
 *
 * @param targetDir verified files are renamed into it (the share folder, or {@code get --out})
 * @param partialDir unverified bytes live here: hidden, on the same file system as {@code targetDir}
 *     so that the final rename is one step
 * @param stallTimeout a source that sends nothing for this long is given up for another
 */
public record FetchSettings(Path targetDir, Path partialDir, Duration stallTimeout) {

  /** The hidden folder inside {@code targetDir} that holds partial downloads. */
  public static FetchSettings inside(Path targetDir, Duration stallTimeout) {
    Path target = targetDir.toAbsolutePath().normalize();
    return new FetchSettings(target, target.resolve(".shoal").resolve("partial"), stallTimeout);
  }
}
