package shoal.peer.cli;

import java.time.Duration;
import picocli.CommandLine.Option;
import shoal.common.cli.DurationConverter;
import shoal.peer.fetch.SourcePatience;

/**
 * The options, shared by {@code peer} and {@code get}, that say how a download uses the holders of
 * a file: how many at once, and when one is given up for another. Checked where they land, in
 * {@code PeerConfig} and {@link SourcePatience}, so a bad value is refused the same way wherever
 * it comes from.
 */
public final class DownloadOptions {

  @Option(names = "--sources", defaultValue = "${env:SHOAL_SOURCES:-4}",
      description = "Holders one download fetches pieces from at once, 1 to 32 (default: ${DEFAULT-VALUE}).")
  int sources;

  @Option(names = "--stall-timeout", defaultValue = "${env:SHOAL_STALL_TIMEOUT:-5s}", converter = DurationConverter.class,
      description = "A source sending nothing this long is replaced by another holder (default: ${DEFAULT-VALUE}).")
  Duration stallTimeout;

  @Option(names = "--speed-limit", defaultValue = "${env:SHOAL_SPEED_LIMIT:-4K}", converter = RateConverter.class,
      description = "A source slower than this many bytes per second over --speed-time is replaced; 0 for no floor (default: ${DEFAULT-VALUE}).")
  long speedLimit;

  @Option(names = "--speed-time", defaultValue = "${env:SHOAL_SPEED_TIME:-20s}", converter = DurationConverter.class,
      description = "The window over which --speed-limit is judged (default: ${DEFAULT-VALUE}).")
  Duration speedTime;

  int sources() {
    return sources;
  }

  /** The patience options as one value; throws IllegalArgumentException with a sentence when one is off. */
  SourcePatience patience() {
    return new SourcePatience(stallTimeout, speedLimit, speedTime);
  }
}
