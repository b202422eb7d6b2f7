package shoal.tracker.registry;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.UUID;

/** A live peer as the peers listing shows it; {@code servedTotal} counts bytes of completed uploads. */
public record PeerSummary(
    UUID peerId, String name, String address, long files, long activeUploads, long servedTotal, Instant lastSeen) {

  public JsonObject toJson() {
    return new JsonObject()
        .put("peerId", peerId.toString())
        .put("name", name)
        .put("address", address)
        .put("files", files)
        .put("activeUploads", activeUploads)
        .put("servedTotal", servedTotal)
        .put("lastSeen", lastSeen.toString());
  }
}
