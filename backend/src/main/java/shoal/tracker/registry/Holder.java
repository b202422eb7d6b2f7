package shoal.tracker.registry;

import io.vertx.core.json.JsonObject;
import java.util.UUID;

/** A live peer that holds a file, with its current load. */
public record Holder(UUID peerId, String name, String address, long activeUploads) {

  public JsonObject toJson() {
    return new JsonObject()
        .put("peerId", peerId.toString())
        .put("name", name)
        .put("address", address)
        .put("activeUploads", activeUploads);
  }
}
