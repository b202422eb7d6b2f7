package shoal.peer.fetch;

import io.netty.channel.ConnectTimeoutException;
import java.net.ConnectException;
import shoal.common.transfer.FailureReason;

/**
 * A source did not deliver its file, for a {@link FailureReason} of Shoal's own; the detail is for
 * this node's log only and never leaves it.
 */
final class SourceFailure extends Exception {

  private final FailureReason reason;
  /** For {@link FailureReason#BUSY}: how long the source asked to be left alone. */
  private final long pauseMillis;

  SourceFailure(FailureReason reason, String detail) {
    this(reason, detail, SourceChoice.BUSY_PAUSE_MILLIS);
  }

  private SourceFailure(FailureReason reason, String detail, long pauseMillis) {
    super(detail, null, false, false);
    this.reason = reason;
    this.pauseMillis = pauseMillis;
  }

  /** A source whose upload slots are all taken, asking with {@code retryAfter} to be asked again later. */
  static SourceFailure busy(String retryAfter) {
    return new SourceFailure(FailureReason.BUSY, "it answered HTTP 503 (busy)", SourceChoice.busyPauseMillis(retryAfter));
  }

  FailureReason reason() {
    return reason;
  }

  /** How long to leave a busy source alone before asking it again. */
  long pauseMillis() {
    return pauseMillis;
  }

  /** How long to wait before asking again after {@code failure}: a busy source's own wish, else the default. */
  static long busyPause(Throwable failure) {
    return failure instanceof SourceFailure source ? source.pauseMillis : SourceChoice.BUSY_PAUSE_MILLIS;
  }

  /**
   * The reason a transfer failed with {@code failure}: told as a stall or as too slow when this
   * side broke the source off for its pace ({@code stopping}, null otherwise), else the source's
   * own failure, an unreachable source, or a connection that broke off.
   */
  static FailureReason reasonFor(Throwable failure, SourceWatch.Verdict stopping) {
    if (stopping != null) {
      return stopping == SourceWatch.Verdict.TOO_SLOW ? FailureReason.TOO_SLOW : FailureReason.STALLED;
    }
    if (failure instanceof SourceFailure sourceFailure) {
      return sourceFailure.reason();
    }
    if (failure instanceof ConnectException || failure instanceof ConnectTimeoutException) {
      return FailureReason.UNREACHABLE;
    }
    return FailureReason.CONNECTION_LOST;
  }
}
