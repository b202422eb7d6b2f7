package shoal.peer.fetch;

import java.nio.file.Path;

/**
 * Where downloads go, how many holders each uses at once and how patient it is with them.
 *
 * @param targetDir verified files are renamed into it (the share folder, or {@code get --out})
 * @param partialDir unverified bytes live here: hidden, on the same file system as {@code targetDir}
 *     so that the final rename is one step
 * @param maxSources how many holders one download fetches pieces from at once ({@code --sources})
 * @param patience when a source is given up for another
 */
public record FetchSettings(Path targetDir, Path partialDir, int maxSources, SourcePatience patience) {

  /** {@code --sources}' default: four holders at once, as many as a LAN's uplinks usually need. */
  public static final int DEFAULT_SOURCES = 4;
  /** {@code --sources}' ceiling: each source holds a connection and up to a few MiB of buffers. */
  public static final int MAX_SOURCES = 32;

  public FetchSettings {
    if (maxSources < 1 || maxSources > MAX_SOURCES) {
      throw new IllegalArgumentException("--sources must be between 1 and " + MAX_SOURCES + ", not " + maxSources);
    }
  }

  /** The hidden folder inside {@code targetDir} that holds partial downloads. */
  public static FetchSettings inside(Path targetDir, int maxSources, SourcePatience patience) {
    Path target = targetDir.toAbsolutePath().normalize();
    return new FetchSettings(target, target.resolve(".shoal").resolve("partial"), maxSources, patience);
  }

  /** As {@link #inside(Path, int, SourcePatience)} with {@value #DEFAULT_SOURCES} sources. */
  public static FetchSettings inside(Path targetDir, SourcePatience patience) {
    return inside(targetDir, DEFAULT_SOURCES, patience);
  }
}
