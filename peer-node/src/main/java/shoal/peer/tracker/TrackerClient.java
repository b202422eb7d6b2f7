package shoal.peer.tracker;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import shoal.common.http.JoinKeyHeader;
import shoal.common.http.ApiError;
import shoal.common.transfer.FailureReason;

/**
 * The tracker's REST API as a peer calls it. Every answer other than 2xx fails the future with an
 * {@link ApiError} carrying the tracker's own code and message (so {@code not_available} reaches
 * the user word for word); a tracker out of reach fails with 503 {@code tracker_unreachable}.
 */
public final class TrackerClient {

  /** The most files the tracker takes in one request; more go in further batches. */
  public static final int MAX_FILES_PER_REQUEST = 10_000;
  private static final int TIMEOUT_MILLIS = 10_000;
  /** How many search results are looked through for an exact name: the search matches parts of names too. */
  private static final int NAME_MATCHES = 1000;
  private static final int NAME_PAGES = 20;
  /** The tracker's sentence for a file nobody has, said the same way when no file has the name asked for. */
  public static final String NOT_AVAILABLE = "Sorry, the file you requested is not available. Please try again later.";

  private final WebClient client;
  private final String baseUrl;
  private final String joinKey;

  /** A client of an open tracker. */
  public TrackerClient(Vertx vertx, String baseUrl) {
    this(vertx, baseUrl, null);
  }

  /**
   * @param joinKey shown on every registration, the first and those after the tracker forgot this
   *     peer; null for an open tracker
   */
  public TrackerClient(Vertx vertx, String baseUrl, String joinKey) {
    this.client = WebClient.create(vertx, new WebClientOptions()
        .setConnectTimeout(TIMEOUT_MILLIS)
        .setUserAgent("shoal-peer"));
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.joinKey = joinKey;
  }

  public String baseUrl() {
    return baseUrl;
  }

  /** What registration hands back. */
  public record Registration(String peerId, String token, double heartbeatSeconds, double ttlSeconds) {}

  /** A transfer the tracker started: where to fetch the file from. */
  /** @param partial whether the source is still downloading the file and serves only the pieces it has verified */
  public record Lease(String transferId, String sha256, String name, long size, String sourcePeerId, String sourceName,
      String sourceAddress, boolean partial) {

    static Lease fromJson(JsonObject json) {
      JsonObject source = json.getJsonObject("source");
      return new Lease(json.getString("transferId"), json.getString("sha256"), json.getString("name"),
          json.getLong("size"), source.getString("peerId"), source.getString("name"), source.getString("address"),
          source.getBoolean("partial", false));
    }
  }

  public Future<Registration> register(String name, String address, List<JsonObject> files) {
    JsonObject body = new JsonObject().put("name", name).put("address", address).put("files", new JsonArray(files));
    HttpRequest<Buffer> request = client.postAbs(baseUrl + "/api/v1/peers").timeout(TIMEOUT_MILLIS);
    if (joinKey != null) {
      request.putHeader(JoinKeyHeader.NAME, joinKey);
    }
    return checked(request.sendJsonObject(body)).map(response -> {
      JsonObject json = response.bodyAsJsonObject();
      return new Registration(json.getString("peerId"), json.getString("token"),
          json.getNumber("heartbeatSeconds").doubleValue(), json.getNumber("ttlSeconds").doubleValue());
    });
  }

  public Future<Void> heartbeat(Registration peer) {
    return send(HttpMethod.POST, "/api/v1/peers/" + peer.peerId() + "/heartbeat", peer.token(), null).mapEmpty();
  }

  /** {@code PUT} (replace) or {@code POST} (add) one batch of at most {@link #MAX_FILES_PER_REQUEST} files. */
  public Future<Void> sendFiles(Registration peer, boolean replace, List<JsonObject> files) {
    return send(replace ? HttpMethod.PUT : HttpMethod.POST, "/api/v1/peers/" + peer.peerId() + "/files", peer.token(),
        new JsonObject().put("files", new JsonArray(files))).mapEmpty();
  }

  public Future<Void> leave(Registration peer) {
    return send(HttpMethod.DELETE, "/api/v1/peers/" + peer.peerId(), peer.token(), null).mapEmpty();
  }

  /**
   * A transfer from the least-loaded holder other than {@code exclude}; {@code pieces} when the
   * download fetches verified pieces, so that a peer holding only some of them (still downloading
   * the file itself) may be the source.
   */
  public Future<Lease> startTransfer(Registration peer, String sha256, Collection<String> exclude, boolean pieces) {
    JsonObject body = new JsonObject().put("sha256", sha256).put("exclude", new JsonArray(List.copyOf(exclude)))
        .put("pieces", pieces);
    return send(HttpMethod.POST, "/api/v1/transfers", peer.token(), body)
        .map(response -> Lease.fromJson(response.bodyAsJsonObject()));
  }

  /**
   * Tells the tracker which pieces of {@code sha256} this peer has verified while downloading it
   * ({@code bitfield}, see {@code PieceBitfield}), so that other downloaders may be given them.
   */
  public Future<Void> announcePartial(Registration peer, String sha256, String name, long size, int pieceCount,
      String bitfield) {
    return send(HttpMethod.PUT, "/api/v1/peers/" + peer.peerId() + "/partials/" + sha256, peer.token(),
        new JsonObject().put("name", name).put("size", size).put("pieceCount", pieceCount).put("pieces", bitfield))
        .mapEmpty();
  }

  /** This peer no longer serves pieces of {@code sha256} as a partial holder. */
  public Future<Void> withdrawPartial(Registration peer, String sha256) {
    return send(HttpMethod.DELETE, "/api/v1/peers/" + peer.peerId() + "/partials/" + sha256, peer.token(), null)
        .mapEmpty();
  }

  public Future<Void> reportProgress(Registration peer, String transferId, long bytes) {
    return send(HttpMethod.POST, "/api/v1/transfers/" + transferId + "/progress", peer.token(),
        new JsonObject().put("bytes", bytes)).mapEmpty();
  }

  /** {@code bytes}: what this transfer's source sent, which the tracker credits it with. */
  public Future<Void> reportComplete(Registration peer, String transferId, long bytes) {
    return send(HttpMethod.POST, "/api/v1/transfers/" + transferId + "/complete", peer.token(),
        new JsonObject().put("bytes", bytes)).mapEmpty();
  }

  public Future<Void> reportFailed(Registration peer, String transferId, FailureReason reason) {
    return send(HttpMethod.POST, "/api/v1/transfers/" + transferId + "/fail", peer.token(),
        new JsonObject().put("reason", reason.code())).mapEmpty();
  }

  /** The tracker's file search, passed through unchanged. */
  public Future<JsonArray> searchFiles(String text, int limit, int offset) {
    return client.getAbs(baseUrl + "/api/v1/files")
        .addQueryParam("q", text == null ? "" : text)
        .addQueryParam("limit", String.valueOf(limit))
        .addQueryParam("offset", String.valueOf(offset))
        .timeout(TIMEOUT_MILLIS)
        .send()
        .recover(this::unreachable)
        .compose(TrackerClient::checked)
        .map(HttpResponse::bodyAsJsonArray);
  }

  /**
   * The SHA-256 of the file called exactly {@code name}, found with the search: fails with the
   * tracker's {@code not_available} (and its sentence) when no file has that name, and with
   * {@code invalid_request} naming their hashes when several different files do.
   */
  public Future<String> fileNamed(String name) {
    return exactMatches(name, 0, new LinkedHashSet<>()).compose(hashes -> {
      if (hashes.isEmpty()) {
        return Future.failedFuture(new ApiError(404, "not_available", NOT_AVAILABLE));
      }
      if (hashes.size() > 1) {
        return Future.failedFuture(ApiError.invalidRequest("Several different files are called " + name
            + "; name one by its SHA-256: " + String.join(", ", hashes) + "."));
      }
      return Future.succeededFuture(hashes.iterator().next());
    });
  }

  /**
   * The hashes of the files called exactly {@code name}, read page by page from the search, which
   * also answers every name that merely contains it: a short name may have thousands of those
   * before its own. At most {@value #NAME_PAGES} pages.
   */
  private Future<Set<String>> exactMatches(String name, int page, Set<String> hashes) {
    return searchFiles(name, NAME_MATCHES, page * NAME_MATCHES).compose(found -> {
      found.stream()
          .map(JsonObject.class::cast)
          .filter(file -> name.equals(file.getString("name")))
          .forEach(file -> hashes.add(file.getString("sha256")));
      return found.size() < NAME_MATCHES || page + 1 >= NAME_PAGES ? Future.succeededFuture(hashes)
          : exactMatches(name, page + 1, hashes);
    });
  }

  public void close() {
    client.close();
  }

  private Future<HttpResponse<Buffer>> send(HttpMethod method, String path, String token, JsonObject body) {
    HttpRequest<Buffer> request = client.requestAbs(method, baseUrl + path).timeout(TIMEOUT_MILLIS);
    if (token != null) {
      request.bearerTokenAuthentication(token);
    }
    return checked(body == null ? request.send() : request.sendJsonObject(body));
  }

  private Future<HttpResponse<Buffer>> checked(Future<HttpResponse<Buffer>> sent) {
    return sent.recover(this::unreachable).compose(TrackerClient::checked);
  }

  /** Whether {@code failure} is the tracker's {@code not_available}: no holder (but those excluded) has the file. */
  public static boolean notAvailable(Throwable failure) {
    return failure instanceof ApiError error && "not_available".equals(error.code());
  }

  /**
   * Whether {@code failure} says the tracker could not answer for now (rate-limiting, overloaded,
   * out of reach: 429 or 5xx) rather than that the answer is no.
   */
  public static boolean couldNotAnswer(Throwable failure) {
    return failure instanceof ApiError error && (error.status() == 429 || error.status() >= 500);
  }

  private <T> Future<T> unreachable(Throwable cause) {
    return Future.failedFuture(new ApiError(503, "tracker_unreachable",
        "The tracker at " + baseUrl + " cannot be reached: " + cause.getMessage()));
  }

  private static Future<HttpResponse<Buffer>> checked(HttpResponse<Buffer> response) {
    if (response.statusCode() / 100 == 2) {
      return Future.succeededFuture(response);
    }
    JsonObject error;
    try {
      error = response.bodyAsJsonObject();
    } catch (RuntimeException e) {
      error = null;
    }
    String code = error == null ? "tracker_error" : error.getString("error", "tracker_error");
    String message = error == null ? "The tracker answered " + response.statusCode() + "."
        : error.getString("message", "The tracker answered " + response.statusCode() + ".");
    return Future.failedFuture(new ApiError(response.statusCode(), code, message));
  }
}
