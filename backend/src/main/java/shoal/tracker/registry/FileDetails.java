package shoal.tracker.registry;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** A file and every live peer holding it, least loaded first. */
public record FileDetails(String sha256, String name, long size, List<Holder> holders) {

  public JsonObject toJson() {
    return new JsonObject()
        .put("sha256", sha256)
        .put("name", name)
        .put("size", size)
        .put("holders", new JsonArray(holders.stream().map(Holder::toJson).toList()));
  }
}
