package shoal.peer.fetch;

import java.nio.file.Path;

/**
 * Where downloads go and how patient they are.
 *
 * @param targetDir verified files are renamed into it (the share folder, or {@code get --out})
 * @param partialDir unverified bytes live here: hidden, on the same file system as {@code targetDir}
 *     so that the final rename is one step
 * @param patience when a source is given up for another
 */
public record FetchSettings(Path targetDir, Path partialDir, SourcePatience patience) {

  /** The hidden folder inside {@code targetDir} that holds partial downloads. */
  public static FetchSettings inside(Path targetDir, SourcePatience patience) {
    Path target = targetDir.toAbsolutePath().normalize();
    return new FetchSettings(target, target.resolve(".shoal").resolve("partial"), patience);
  }
}
