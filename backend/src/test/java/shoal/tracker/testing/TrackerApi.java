package shoal.tracker.testing;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import shoal.common.transfer.PieceBitfield;

/**
 * The tracker's REST API as a test (or a peer) calls it: real HTTP, blocking calls with a bound,
 * for test threads only. Every answer is checked against the API's OpenAPI document
 * ({@link ApiDocumentCheck}), so a test fails when the API answers something the document does not
 * describe.
 */
public final class TrackerApi {

  private static final long TIMEOUT_SECONDS = 20;

  private final WebClient client;
  private final String baseUrl;
  private final ApiDocumentCheck document;

  /** A client of the tracker at {@code baseUrl}, checked against the tracker's document. */
  public TrackerApi(Vertx vertx, String baseUrl) {
    this(vertx, baseUrl, ApiDocumentCheck.of(OpenApiDocuments.TRACKER));
  }

  /** A client of the API at {@code baseUrl}, checked against {@code document} (the peer's control port has its own). */
  public TrackerApi(Vertx vertx, String baseUrl, ApiDocumentCheck document) {
    this.client = WebClient.create(vertx, new WebClientOptions(), new PoolOptions().setHttp1MaxSize(64));
    this.baseUrl = baseUrl;
    this.document = document;
  }

  /** A registered peer: its id and token. */
  public record Peer(String peerId, String token, String name) {}

  public Peer register(String name, List<JsonObject> files) {
    HttpResponse<Buffer> response = send(HttpMethod.POST, "/api/v1/peers", null,
        new JsonObject().put("name", name).put("address", "http://127.0.0.1:7001/" + name).put("files", new JsonArray(files)));
    if (response.statusCode() != 201) {
      throw new AssertionError("registration of " + name + " answered " + response.statusCode() + ": " + response.bodyAsString());
    }
    JsonObject body = response.bodyAsJsonObject();
    return new Peer(body.getString("peerId"), body.getString("token"), name);
  }

  public static JsonObject file(String sha256, String name, long size) {
    return new JsonObject().put("sha256", sha256).put("name", name).put("size", size);
  }

  /** A valid sha256 made from a short label, so tests read well. */
  public static String sha(String label) {
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(label.getBytes());
      return java.util.HexFormat.of().formatHex(digest);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The body of a partial holder's report: of {@code pieceCount} pieces, it has verified {@code pieces}. */
  public static JsonObject partial(String name, long size, int pieceCount, BitSet pieces) {
    return new JsonObject().put("name", name).put("size", size).put("pieceCount", pieceCount)
        .put("pieces", PieceBitfield.encode(pieces, pieceCount));
  }

  /** Pieces {@code from} (inclusive) to {@code to} (exclusive). */
  public static BitSet pieces(int from, int to) {
    BitSet pieces = new BitSet();
    pieces.set(from, to);
    return pieces;
  }

  /** {@code PUT /api/v1/peers/{peerId}/partials/{sha256}} as {@code peer}. */
  public HttpResponse<Buffer> announcePartial(Peer peer, String sha256, JsonObject report) {
    return put("/api/v1/peers/" + peer.peerId() + "/partials/" + sha256, peer.token(), report);
  }

  public HttpResponse<Buffer> get(String path) {
    return send(HttpMethod.GET, path, null, null);
  }

  public HttpResponse<Buffer> post(String path, String token, Object body) {
    return send(HttpMethod.POST, path, token, body);
  }

  public HttpResponse<Buffer> put(String path, String token, Object body) {
    return send(HttpMethod.PUT, path, token, body);
  }

  public HttpResponse<Buffer> delete(String path, String token) {
    return send(HttpMethod.DELETE, path, token, null);
  }

  public HttpResponse<Buffer> startTransfer(Peer downloader, String sha256) {
    return post("/api/v1/transfers", downloader.token(), new JsonObject().put("sha256", sha256));
  }

  /** Sends without waiting, for tests that need many requests in flight at once. */
  public Future<HttpResponse<Buffer>> sendAsync(HttpMethod method, String path, String token, Object body) {
    HttpRequest<Buffer> request = client.requestAbs(method, baseUrl + path);
    if (token != null) {
      request.bearerTokenAuthentication(token);
    }
    Future<HttpResponse<Buffer>> sent;
    if (body == null) {
      sent = request.send();
    } else if (body instanceof Buffer buffer) {
      sent = request.putHeader("Content-Type", "application/json").sendBuffer(buffer);
    } else {
      sent = request.putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(body.toString()));
    }
    return sent.map(response -> checked(method, path, response));
  }

  /** Sends exactly {@code headers} and {@code body} (null for none), nothing added: for requests a browser or a forger makes. */
  public HttpResponse<Buffer> sendRaw(HttpMethod method, String path, MultiMap headers, Buffer body) {
    HttpRequest<Buffer> request = client.requestAbs(method, baseUrl + path).putHeaders(headers);
    return checked(method, path, await(body == null ? request.send() : request.sendBuffer(body)));
  }

  public HttpResponse<Buffer> send(HttpMethod method, String path, String token, Object body) {
    return await(sendAsync(method, path, token, body));
  }

  private HttpResponse<Buffer> checked(HttpMethod method, String path, HttpResponse<Buffer> response) {
    document.check(method, path, response.statusCode(), response.headers(), response.body());
    return response;
  }

  public static <T> T await(Future<T> future) {
    try {
      return future.await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("no answer within " + TIMEOUT_SECONDS + " s", e);
    }
  }

  public void close() {
    client.close();
  }
}
