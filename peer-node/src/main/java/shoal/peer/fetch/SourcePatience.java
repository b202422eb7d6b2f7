package shoal.peer.fetch;

import java.time.Duration;

/**
 * How long a download bears with a source before it gives that source up for another holder, as
 * curl's {@code --speed-limit}/{@code --speed-time} do for one URL. Time the download itself
 * spends waiting for its own disk never counts against a source.
 *
 * @param stallTimeout a source that sends nothing at all for this long is replaced
 * @param speedLimit bytes per second a source must keep up, averaged over {@code speedTime}; 0 for no floor
 * @param speedTime the window over which {@code speedLimit} is judged
 */
public record SourcePatience(Duration stallTimeout, long speedLimit, Duration speedTime) {

  public static final SourcePatience DEFAULT = new SourcePatience(Duration.ofSeconds(5), 4 * 1024, Duration.ofSeconds(20));

  public SourcePatience {
    if (stallTimeout.isNegative() || stallTimeout.isZero()) {
      throw new IllegalArgumentException("--stall-timeout must be longer than 0");
    }
    if (speedLimit < 0) {
      throw new IllegalArgumentException("--speed-limit cannot be negative");
    }
    if (speedTime.isNegative() || speedTime.isZero()) {
      throw new IllegalArgumentException("--speed-time must be longer than 0");
    }
  }

  public SourcePatience withStallTimeout(Duration timeout) {
    return new SourcePatience(timeout, speedLimit, speedTime);
  }

  public SourcePatience withSpeedFloor(long bytesPerSecond, Duration window) {
    return new SourcePatience(stallTimeout, bytesPerSecond, window);
  }
}
