package shoal.tracker.registry;

import io.vertx.core.json.JsonObject;

/** A search hit: a file by its hash and how many live peers hold it. */
public record FileSummary(String sha256, String name, long size, long holders) {

  public JsonObject toJson() {
    return new JsonObject().put("sha256", sha256).put("name", name).put("size", size).put("holders", holders);
  }
}
