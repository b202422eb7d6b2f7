package shoal.tracker.access;

import java.time.Duration;

/**
 * At most {@code requests} requests per {@code per} from one client address, in bursts of up to
 * {@code requests}; {@code requests == 0} means no limit.
 */
public record RateLimit(int requests, Duration per) {

  public static final RateLimit NONE = new RateLimit(0, Duration.ofMinutes(1));

  public RateLimit {
    if (requests < 0) {
      throw new IllegalArgumentException("a rate limit cannot be negative, not " + requests);
    }
    if (per.isZero() || per.isNegative()) {
      throw new IllegalArgumentException("a rate limit's period must be longer than zero");
    }
  }

  public static RateLimit perMinute(int requests) {
    return new RateLimit(requests, Duration.ofMinutes(1));
  }

  public boolean unlimited() {
    return requests == 0;
  }
}
