package shoal.tracker.access;

import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A token bucket per key (a client address): each holds up to {@code requests} tokens, refilled
 * evenly over {@code per}; a request takes one. Shared by all the tracker's HTTP verticle
 * instances, since a client's connections land on any of them: each key is updated atomically by
 * {@link ConcurrentHashMap#compute}, with no lock across keys.
 *
 * <p>Memory stays bounded: a full bucket says nothing an absent one would not, so beyond
 * {@code maxKeys} the full ones are dropped first, then any (an address forgotten that way starts
 * afresh, which is lenient, never harsher).
 */
final class TokenBuckets {

  /** Tokens left and when they were counted; immutable, so {@code compute} can swap it whole. */
  private record Bucket(double tokens, long atNanos, boolean granted) {}

  private final double capacity;
  private final double tokensPerNano;
  private final int maxKeys;
  private final LongSupplier clock;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

  TokenBuckets(RateLimit limit, int maxKeys, LongSupplier nanoClock) {
    if (limit.unlimited()) {
      throw new IllegalArgumentException("an unlimited rate needs no buckets");
    }
    this.capacity = limit.requests();
    this.tokensPerNano = limit.requests() / (double) limit.per().toNanos();
    this.maxKeys = maxKeys;
    this.clock = nanoClock;
  }

  /**
   * Takes a token from {@code key}'s bucket.
   *
   * @return 0 when a token was taken, else the nanoseconds until the next one is there
   */
  long take(String key) {
    long now = clock.getAsLong();
    Bucket bucket = buckets.compute(key, (k, old) -> {
      double tokens = old == null ? capacity : refilled(old, now);
      return tokens >= 1 ? new Bucket(tokens - 1, now, true) : new Bucket(tokens, now, false);
    });
    if (buckets.size() > maxKeys) {
      prune(now);
    }
    return bucket.granted() ? 0 : (long) Math.ceil((1 - bucket.tokens()) / tokensPerNano);
  }

  int size() {
    return buckets.size();
  }

  private double refilled(Bucket bucket, long now) {
    return Math.min(capacity, bucket.tokens() + Math.max(0, now - bucket.atNanos()) * tokensPerNano);
  }

  /** Down to three quarters of the bound, so pruning runs once per many new keys, not on each. */
  private void prune(long now) {
    int target = maxKeys - maxKeys / 4;
    buckets.values().removeIf(bucket -> refilled(bucket, now) >= capacity);
    Iterator<String> keys = buckets.keySet().iterator();
    while (buckets.size() > target && keys.hasNext()) {
      keys.next();
      keys.remove();
    }
  }
}
