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

  SourceFailure(FailureReason reason, String detail) {
    super(detail, null, false, false);
    this.reason = reason;
  }

  FailureReason reason() {
    return reason;
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
