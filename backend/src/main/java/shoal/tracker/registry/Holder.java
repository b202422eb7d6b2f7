package shoal.tracker.registry;

import io.vertx.core.json.JsonObject;
import java.util.UUID;

/**
 * A live peer that holds a file, with its current load and its own size for the file. Holders of
 * one hash may disagree on its size (one of them is wrong, or lying); each keeps its own, since a
 * downloader trusts only its source's size and verifies the SHA-256 anyway.
 */
public record Holder(UUID peerId, String name, String address, long activeUploads, long size) {

  public JsonObject toJson() {
    return new JsonObject()
        .put("peerId", peerId.toString())
        .put("name", name)
        .put("address", address)
        .put("activeUploads", activeUploads)
        .put("size", size);
  }
}
