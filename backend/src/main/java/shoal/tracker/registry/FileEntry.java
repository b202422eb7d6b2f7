package shoal.tracker.registry;

import io.vertx.core.json.JsonObject;

/** One file as a peer reports it: its content hash, the name it goes by, its size in bytes. */
public record FileEntry(String sha256, String name, long size) {

  public JsonObject toJson() {
    return new JsonObject().put("sha256", sha256).put("name", name).put("size", size);
  }
}
