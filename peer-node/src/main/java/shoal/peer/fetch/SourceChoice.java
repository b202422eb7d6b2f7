package shoal.peer.fetch;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import shoal.common.transfer.FailureReason;

/**
 * Which holders a download may still be given, and what each that failed did: one round through
 * every holder the tracker offers, then one more for those that did not lie about the file — with
 * a single holder, one dropped connection should not end a download. Holders that lied are never
 * asked again.
 */
final class SourceChoice {

  /** Failures that show a source lies about the file: it is not asked again for this download. */
  private static final Set<FailureReason> NEVER_AGAIN = EnumSet.of(
      FailureReason.CORRUPT, FailureReason.OVERSIZED, FailureReason.SIZE_MISMATCH, FailureReason.BAD_ADDRESS);

  /**
   * How long a holder that answered "busy" (all its upload slots taken, as a seed's in a crowd)
   * is left alone before it is asked again, when its answer says nothing readable of it.
   */
  static final long BUSY_PAUSE_MILLIS = 2_000;
  /** Bounds on the pause a busy holder's Retry-After asks for: a holder cannot have itself hammered, nor park a download. */
  private static final long SHORTEST_BUSY_PAUSE_MILLIS = 500;
  private static final long LONGEST_BUSY_PAUSE_MILLIS = 30_000;

  private final Set<String> excluded = new HashSet<>();
  private final Set<String> liars = new HashSet<>();
  private final List<String> failures = new ArrayList<>();
  private boolean secondRound;

  /** The holders not to be given now: the tracker's {@code exclude}. */
  Set<String> excluded() {
    return excluded;
  }

  /**
   * {@code peerId} failed for {@code reason}; {@code name} is how the user knows it. A holder that
   * was only busy (every upload slot taken, as a seed's in a crowd) may be given again at once: it
   * is in demand, not at fault, and may be the only one with the pieces still missing.
   */
  void failed(String peerId, String name, FailureReason reason) {
    failures.add(name + ": " + reason.sentence());
    if (reason == FailureReason.BUSY) {
      return;
    }
    excluded.add(peerId);
    if (NEVER_AGAIN.contains(reason)) {
      liars.add(peerId);
    }
  }

  /** {@code peerId} lied, though its own transfer had ended: it is not asked again either. */
  void lied(String peerId) {
    excluded.add(peerId);
    liars.add(peerId);
  }

  /**
   * When the tracker has nobody else to offer: opens the second round, for the holders that only
   * broke off, if it has not been had and there is anyone for it; answers whether it did.
   */
  boolean startSecondRound() {
    if (secondRound || excluded.size() == liars.size()) {
      return false;
    }
    secondRound = true;
    excluded.retainAll(liars);
    return true;
  }

  /** What every holder that failed did, in sentences of Shoal's own. */
  String summary() {
    return String.join(" ", failures);
  }

  /**
   * The pause a busy holder asked for with {@code retryAfter} (seconds, as Shoal's files port and
   * most servers send it), kept between half a second and 30 s; {@link #BUSY_PAUSE_MILLIS} when it
   * is missing or is not a number of seconds.
   */
  static long busyPauseMillis(String retryAfter) {
    if (retryAfter == null) {
      return BUSY_PAUSE_MILLIS;
    }
    try {
      long seconds = Math.max(0, Math.min(Long.parseLong(retryAfter.trim()), LONGEST_BUSY_PAUSE_MILLIS / 1000));
      return Math.max(SHORTEST_BUSY_PAUSE_MILLIS, seconds * 1000);
    } catch (NumberFormatException e) {
      return BUSY_PAUSE_MILLIS;
    }
  }
}
