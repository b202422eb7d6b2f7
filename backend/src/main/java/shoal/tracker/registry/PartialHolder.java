package shoal.tracker.registry;

import io.vertx.core.json.JsonObject;
import java.util.UUID;

/** A live peer serving the verified pieces of a file it is still downloading: {@code have} of {@code pieceCount}. */
public record PartialHolder(UUID peerId, String peerName, String address, FileEntry file, int pieceCount, int have) {

  /** {@code {"peerId","peerName","address","sha256","name","size","pieceCount","have"}}. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("peerId", peerId.toString())
        .put("peerName", peerName)
        .put("address", address)
        .put("sha256", file.sha256())
        .put("name", file.name())
        .put("size", file.size())
        .put("pieceCount", pieceCount)
        .put("have", have);
  }
}
