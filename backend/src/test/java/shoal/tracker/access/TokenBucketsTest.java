package shoal.tracker.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The rate limiter's arithmetic and its memory bound, on a clock the test moves. */
@Timeout(60)
@DisplayName("Token buckets per client address")
class TokenBucketsTest {

  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  @Test
  @DisplayName("a burst of the limit passes, the next waits exactly until a token has dripped back")
  void burstThenWait() {
    TokenBuckets buckets = new TokenBuckets(new RateLimit(60, Duration.ofMinutes(1)), 100, now::get);
    for (int i = 0; i < 60; i++) {
      assertThat(buckets.take("10.0.0.1")).isZero();
    }

    assertThat(buckets.take("10.0.0.1")).isEqualTo(Duration.ofSeconds(1).toNanos());
    assertThat(buckets.take("10.0.0.2")).as("another address has its own bucket").isZero();
    now.addAndGet(Duration.ofMillis(999).toNanos());
    assertThat(buckets.take("10.0.0.1")).isEqualTo(Duration.ofMillis(1).toNanos());
    now.addAndGet(Duration.ofMillis(1).toNanos());
    assertThat(buckets.take("10.0.0.1")).isZero();
  }

  @Test
  @DisplayName("memory stays bounded however many addresses come, and busy addresses are the ones remembered")
  void boundedMemory() {
    TokenBuckets buckets = new TokenBuckets(new RateLimit(2, Duration.ofMinutes(1)), 100, now::get);
    buckets.take("busy");
    buckets.take("busy");
    for (int i = 0; i < 10_000; i++) {
      // each stranger takes one of two tokens, so its bucket is not full and is not simply dropped
      buckets.take("stranger-" + i);
      assertThat(buckets.size()).isLessThanOrEqualTo(101);
    }
    now.addAndGet(Duration.ofMinutes(1).toNanos());
    for (int i = 0; i < 200; i++) {
      buckets.take("late-" + i);
    }

    assertThat(buckets.size()).isLessThanOrEqualTo(101);
  }

  @Test
  @DisplayName("an IPv6 client is counted by its /64, an IPv4 one by its address")
  void ipv6CountsByPrefix() {
    assertThat(RequestRateLimit.clientKey("2001:db8:1:2:aaaa::1"))
        .isEqualTo(RequestRateLimit.clientKey("2001:db8:1:2:bbbb:cccc:dddd:eeee"))
        .isNotEqualTo(RequestRateLimit.clientKey("2001:db8:1:3::1"));
    assertThat(RequestRateLimit.clientKey("192.0.2.7")).isEqualTo("192.0.2.7");
  }
}
