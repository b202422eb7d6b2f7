package shoal.peer.share;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;

/**
 * One regular file under the share folder, as the tracker and other peers see it.
 *
 * @param name the file's own name (no folders) made safe by {@code SafeFileName}, or its hash when
 *     nothing of it is usable: what users search for and what a downloader saves it as
 * @param path where it lives on this machine; never derived from a request
 */
public record SharedFile(String sha256, String name, long size, Path path, long modifiedMillis) {

  /** The tracker's {@code {"sha256","name","size"}} entry. */
  public JsonObject toJson() {
    return new JsonObject().put("sha256", sha256).put("name", name).put("size", size);
  }
}
