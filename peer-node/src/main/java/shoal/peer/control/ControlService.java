package shoal.peer.control;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import shoal.common.http.ApiError;
import java.util.Optional;
import shoal.peer.fetch.DownloadStatus;
import shoal.peer.fetch.Downloads;
import shoal.peer.fetch.WantedFile;
import shoal.peer.serve.UploadSlots;
import shoal.peer.share.Sha256;
import shoal.peer.share.ShareIndex;
import shoal.peer.share.SharedFile;
import shoal.peer.tracker.TrackerClient;
import shoal.peer.tracker.TrackerSession;

/**
 * What the control port can do, whether asked over REST or the WebSocket: one implementation of
 * each operation, answering JSON or failing with an {@link ApiError}.
 */
public final class ControlService {

  private final String name;
  private final TrackerSession session;
  private final TrackerClient tracker;
  private final ShareIndex index;
  private final UploadSlots uploads;
  private final Downloads downloads;
  private final Runnable leaveAndStop;

  /**
   * @param leaveAndStop stops the node once it has left the tracker; runs after the answer is sent
   */
  public ControlService(String name, TrackerSession session, TrackerClient tracker, ShareIndex index, UploadSlots uploads, Downloads downloads,
      Runnable leaveAndStop) {
    this.name = name;
    this.session = session;
    this.tracker = tracker;
    this.index = index;
    this.uploads = uploads;
    this.downloads = downloads;
    this.leaveAndStop = leaveAndStop;
  }

  Future<JsonObject> status() {
    return downloads.active().map(active -> new JsonObject()
        .put("peerId", session.peerId())
        .put("name", name)
        .put("tracker", session.trackerUrl())
        .put("registered", session.registered())
        .put("files", index.size())
        .put("uploads", uploads.active())
        .put("downloads", active));
  }

  JsonArray files() {
    JsonArray files = new JsonArray();
    index.files().stream().map(SharedFile::toJson).forEach(files::add);
    return files;
  }

  /** The tracker's search, passed through with its paging. */
  Future<JsonArray> search(String text, int limit, int offset) {
    return tracker.searchFiles(text, limit, offset);
  }

  /**
   * Starts the download {@code request} asks for: {@code {"sha256"}} or {@code {"name"}} (a file's
   * exact name), and {@code "wait": true} to wait for a holder rather than be told at once that
   * nobody has it.
   */
  Future<JsonObject> startDownload(JsonObject request) {
    WantedFile wanted;
    try {
      wanted = wanted(request.getValue("sha256"), request.getValue("name"));
    } catch (ApiError e) {
      return Future.failedFuture(e);
    }
    Object wait = request.getValue("wait", false);
    if (!(wait instanceof Boolean waitForHolder)) {
      return Future.failedFuture(ApiError.invalidRequest("'wait' must be true or false."));
    }
    return downloads.start(wanted, waitForHolder).map(download -> new JsonObject().put("downloadId", download.downloadId()));
  }

  private static WantedFile wanted(Object sha256, Object name) {
    if ((sha256 == null) == (name == null)) {
      throw ApiError.invalidRequest("Name the file by 'sha256' or by 'name', one of the two.");
    }
    if (sha256 != null) {
      if (!(sha256 instanceof String hash) || !Sha256.isValid(hash)) {
        throw ApiError.invalidRequest("'sha256' must be 64 lowercase hexadecimal characters.");
      }
      return WantedFile.bySha256(hash);
    }
    if (!(name instanceof String exact) || exact.isBlank()) {
      throw ApiError.invalidRequest("'name' must be a file's exact name.");
    }
    return WantedFile.byName(exact);
  }

  Future<JsonArray> listDownloads() {
    return downloads.all().map(all -> {
      JsonArray list = new JsonArray();
      all.stream().map(DownloadStatus::toJson).forEach(list::add);
      return list;
    });
  }

  Future<JsonObject> download(String downloadId) {
    return known(downloadId, downloads.find(downloadId));
  }

  Future<JsonObject> cancel(String downloadId) {
    return known(downloadId, downloads.cancel(downloadId));
  }

  /** Leaves the tracker; the node stops right after. */
  Future<JsonObject> leave() {
    return session.leave().map(done -> {
      leaveAndStop.run();
      return new JsonObject().put("left", true);
    });
  }

  private static Future<JsonObject> known(String downloadId, Future<Optional<DownloadStatus>> lookup) {
    return lookup.map(found -> found.map(DownloadStatus::toJson)
        .orElseThrow(() -> ApiError.notFound("unknown_download", "No download has the id '" + downloadId + "'.")));
  }
}
