package shoal.peer.fetch;

import java.util.ArrayDeque;

/**
 * Judges the pace of one source from samples of the bytes it has sent: silent for the stall
 * timeout, or below {@code --speed-limit} averaged over {@code --speed-time}, as curl judges a URL.
 * Only time in which this side was ready for more counts: while the download holds the source
 * back because its own disk is behind, the clock stops, so a busy disk never gets a healthy
 * source replaced.
 */
final class SourceWatch {

  /** What the samples say about the source. */
  enum Verdict { FINE, STALLED, TOO_SLOW }

  /** One sample: the counted time so far and the bytes received by then. */
  private record Sample(long countedNanos, long bytes) {}

  private final long stallNanos;
  private final long speedLimit;
  private final long speedTimeNanos;
  private final ArrayDeque<Sample> window = new ArrayDeque<>();
  private long lastNanos;
  private long lastBytes;
  private long countedNanos;
  private long quietNanos;

  SourceWatch(SourcePatience patience, long nowNanos) {
    this.stallNanos = patience.stallTimeout().toNanos();
    this.speedLimit = patience.speedLimit();
    this.speedTimeNanos = patience.speedTime().toNanos();
    this.lastNanos = nowNanos;
    window.add(new Sample(0, 0));
  }

  /**
   * Takes a sample.
   *
   * @param bytes everything this source has sent so far
   * @param waitingForDisk whether this side is holding the source back
   */
  Verdict observe(long nowNanos, long bytes, boolean waitingForDisk) {
    long elapsed = nowNanos - lastNanos;
    lastNanos = nowNanos;
    if (waitingForDisk) {
      quietNanos = 0;
      return Verdict.FINE;
    }
    countedNanos += elapsed;
    quietNanos = bytes == lastBytes ? quietNanos + elapsed : 0;
    lastBytes = bytes;
    window.add(new Sample(countedNanos, bytes));
    if (quietNanos >= stallNanos) {
      return Verdict.STALLED;
    }
    if (speedLimit == 0 || countedNanos < speedTimeNanos) {
      return Verdict.FINE;
    }
    // Keep the newest sample that is at least speedTime old as the window's start.
    long windowStart = countedNanos - speedTimeNanos;
    while (window.size() > 1 && secondOldest().countedNanos() <= windowStart) {
      window.removeFirst();
    }
    Sample start = window.getFirst();
    double seconds = (countedNanos - start.countedNanos()) / 1e9;
    return bytes - start.bytes() < speedLimit * seconds ? Verdict.TOO_SLOW : Verdict.FINE;
  }

  private Sample secondOldest() {
    var iterator = window.iterator();
    iterator.next();
    return iterator.next();
  }
}
