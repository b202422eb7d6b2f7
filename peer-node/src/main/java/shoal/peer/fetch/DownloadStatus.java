package shoal.peer.fetch;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;

/**
 * A download as it stood at one moment: an immutable copy made on the downloads' context, safe
 * to read anywhere.
 *
 * @param state the contract's name: {@code queued running verifying done failed cancelled}
 * @param speed bytes per second, smoothed
 * @param sources each source used, in that order, as {@code {"peerId","bytes"}}
 * @param error why it failed, as a sentence; null unless failed
 * @param savedAs where the verified file was saved; null until done
 */
public record DownloadStatus(String downloadId, String sha256, String name, long size, long bytes, String state,
    long speed, List<JsonObject> sources, String error, Path savedAs) {

  public boolean done() {
    return "done".equals(state);
  }

  /** The contract's download object. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("downloadId", downloadId)
        .put("sha256", sha256)
        .put("name", name)
        .put("size", size)
        .put("bytes", bytes)
        .put("state", state)
        .put("speed", speed)
        .put("sources", new JsonArray(List.copyOf(sources)))
        .put("error", error);
  }
}
