package shoal.tracker.registry;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.UUID;

/**
 * One download of one file from one source. {@code from} and {@code to} are peer ids, null once
 * that peer has left; the names stay so that history remains readable.
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
        .put("startedAt", startedAt.toString());
  }
}
