package shoal.peer.fetch;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import shoal.common.http.ApiError;
import shoal.peer.share.Sha256;
import shoal.peer.tracker.TrackerClient;

/**
 * The file a user asks for: by its SHA-256, or by its exact name, which the tracker's search turns
 * into a SHA-256 ({@link TrackerClient#fileNamed}). Exactly one of the two is set.
 */
public record WantedFile(String sha256, String name) {

  public WantedFile {
    if ((sha256 == null) == (name == null)) {
      throw new IllegalArgumentException("a wanted file has a SHA-256 or a name, not both or neither");
    }
  }

  public static WantedFile bySha256(String sha256) {
    if (!Sha256.isValid(sha256)) {
      throw ApiError.invalidRequest("'sha256' must be 64 lowercase hexadecimal characters.");
    }
    return new WantedFile(sha256, null);
  }

  public static WantedFile byName(String name) {
    if (name.isBlank()) {
      throw ApiError.invalidRequest("'name' must be a file's exact name.");
    }
    return new WantedFile(null, name);
  }

  /** What the command line takes: a SHA-256 when it is one, else a name. */
  public static WantedFile parse(String sha256OrName) {
    return Sha256.isValid(sha256OrName) ? bySha256(sha256OrName) : byName(sha256OrName);
  }

  /** Its SHA-256, asking the tracker when it was named. */
  Future<String> resolve(TrackerClient tracker) {
    return sha256 != null ? Future.succeededFuture(sha256) : tracker.fileNamed(name);
  }

  /** Whether {@code download} is the one for this file (a download waiting for a name is found by the name). */
  boolean matches(Download download) {
    return sha256 != null ? sha256.equals(download.sha256())
        : download.sha256() == null && name.equals(download.name());
  }

  /** Whether a registry event about one file ({@code sha256}, {@code name}) is about this one. */
  boolean concerns(JsonObject event) {
    return sha256 != null ? sha256.equals(event.getString("sha256")) : name.equals(event.getString("name"));
  }
}
