package shoal.peer.fetch;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Holders a fetch leaves alone for a while, each until its own moment: one that answered busy, for
 * the pause it asked for, or one let go with nothing left to give. The tracker is asked for other
 * holders meanwhile ({@link #now} goes into a lease's exclusions). On the download's context.
 */
final class RestingSources {

  /** When (System.nanoTime()) each may be asked again. */
  private final Map<String, Long> until = new HashMap<>();

  void rest(String peerId, long millis) {
    until.put(peerId, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis));
  }

  /** The holders still resting; those whose time has come are forgotten. */
  Set<String> now() {
    long now = System.nanoTime();
    until.values().removeIf(moment -> moment - now <= 0);
    return Set.copyOf(until.keySet());
  }

  /** Milliseconds (at least 1) until the first resting holder may be asked again; empty when none rests. */
  OptionalLong soonestMillis() {
    long now = System.nanoTime();
    return until.values().stream().mapToLong(moment -> Math.max(1, TimeUnit.NANOSECONDS.toMillis(moment - now))).min();
  }
}
