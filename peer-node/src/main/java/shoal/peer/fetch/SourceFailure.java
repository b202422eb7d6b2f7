package shoal.peer.fetch;

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
}
