package shoal.tracker.registry;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.UUID;
import shoal.common.transfer.FailureReason;

/**
 * One download of one file from one source. {@code from} and {@code to} are peer ids, null once
 * that peer has left; the names stay so that history remains readable. {@code reason} is a
 * {@link FailureReason} code for a failed transfer (the downloader's word), or one of the
 * tracker's own {@link #PEER_LEFT} and {@link #PEER_EXPIRED} for an abandoned one.
 */
public record Transfer(
    UUID transferId,
    String sha256,
    String name,
    long size,
    UUID from,
    String fromName,
    UUID to,
    String toName,
    long bytes,
    String state,
    String reason,
    Instant startedAt) {

  public static final String ACTIVE = "active";
  public static final String COMPLETED = "completed";
  public static final String FAILED = "failed";
  public static final String ABANDONED = "abandoned";

  /** Why the tracker abandoned a transfer: one of its peers left. */
  public static final String PEER_LEFT = "peer left";
  /** Why the tracker abandoned a transfer: one of its peers stopped heartbeating. */
  public static final String PEER_EXPIRED = "peer expired";

  /**
   * The sentence for a stored reason: Shoal's own for a failure code or a departure, null for
   * none, and null for free text stored before reasons were codes, which came from a peer and is
   * not repeated as if it were Shoal's word.
   */
  public static String reasonText(String reason) {
    if (reason == null) {
      return null;
    }
    return switch (reason) {
      case PEER_LEFT -> "The source or the downloader left the network before the transfer ended.";
      case PEER_EXPIRED -> "The source or the downloader stopped answering and was removed before the transfer ended.";
      default -> FailureReason.fromCode(reason).map(FailureReason::sentence).orElse(null);
    };
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("transferId", transferId.toString())
        .put("sha256", sha256)
        .put("name", name)
        .put("size", size)
        .put("from", from == null ? null : from.toString())
        .put("fromName", fromName)
        .put("to", to == null ? null : to.toString())
        .put("toName", toName)
        .put("bytes", bytes)
        .put("state", state)
        .put("reason", reason)
        .put("reasonText", reasonText(reason))
        .put("startedAt", startedAt.toString());
  }
}
