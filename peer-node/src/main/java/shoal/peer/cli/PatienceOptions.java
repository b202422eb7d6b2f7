package shoal.peer.cli;

import java.time.Duration;
import picocli.CommandLine.Option;
import shoal.common.cli.DurationConverter;
import shoal.peer.fetch.SourcePatience;

/** The options, shared by {@code peer} and {@code get}, that say when a source is given up for another holder. */
public final class PatienceOptions {

  @Option(names = "--stall-timeout", defaultValue = "${env:SHOAL_STALL_TIMEOUT:-5s}", converter = DurationConverter.class,
      description = "A source sending nothing this long is replaced by another holder (default: ${DEFAULT-VALUE}).")
  Duration stallTimeout;

  @Option(names = "--speed-limit", defaultValue = "${env:SHOAL_SPEED_LIMIT:-4K}", converter = RateConverter.class,
      description = "A source slower than this many bytes per second over --speed-time is replaced; 0 for no floor (default: ${DEFAULT-VALUE}).")
  long speedLimit;

  @Option(names = "--speed-time", defaultValue = "${env:SHOAL_SPEED_TIME:-20s}", converter = DurationConverter.class,
      description = "The window over which --speed-limit is judged (default: ${DEFAULT-VALUE}).")
  Duration speedTime;

  /** The options as one value; throws IllegalArgumentException with a sentence when one is off. */
  SourcePatience patience() {
    return new SourcePatience(stallTimeout, speedLimit, speedTime);
  }
}
