package shoal.tracker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static shoal.tracker.testing.TrackerApi.file;
import static shoal.tracker.testing.TrackerApi.sha;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import shoal.tracker.testing.TrackerApi;
import shoal.tracker.testing.TrackerApi.Peer;
import shoal.tracker.testing.TrackerExtension;

/**
 * What a web page the user happens to open can make the tracker do: nothing, unless the operator
 * allowed its origin. Requests are sent as browsers send them: simple form and text posts with no
 * preflight, an {@code Origin} on cross-origin calls and on WebSocket handshakes.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
@DisplayName("Other web sites cannot use the tracker through the user's browser")
class CrossSiteTest {

  private static final String ALLOWED = "https://ops.example.org";
  private static final String FOREIGN = "http://evil.example";
  private static final String REGISTRATION =
      new JsonObject().put("name", "csrf").put("address", "http://127.0.0.1:7001").encode();

  @RegisterExtension
  static final TrackerExtension tracker = TrackerExtension.tuned(config ->
      config.withAccess(config.access().withAllowedOrigins(List.of(ALLOWED + "/"))));

  private TrackerApi api;

  @BeforeEach
  void connect(Vertx vertx) {
    api = tracker.api(vertx);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=xyz"})
  @DisplayName("a registration posted as a page's form or text would post it is 415 unsupported_media_type and registers nothing")
  void nonJsonBodiesAre415(String contentType) {
    HttpResponse<Buffer> response = api.sendRaw(HttpMethod.POST, "/api/v1/peers",
        headers("Content-Type", contentType), Buffer.buffer(REGISTRATION));

    assertThat(response.statusCode()).isEqualTo(415);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("unsupported_media_type");
    assertThat(response.bodyAsJsonObject().getString("message")).contains("application/json").endsWith(".");
    assertThat(api.get("/api/v1/peers").bodyAsJsonArray().stream()
        .map(p -> ((JsonObject) p).getString("name"))).doesNotContain("csrf");
  }

  @Test
  @DisplayName("a body with no Content-Type is 415 too, while JSON with a charset registers")
  void jsonWithCharsetIsFineAndUndeclaredIsNot() {
    assertThat(api.sendRaw(HttpMethod.POST, "/api/v1/peers", MultiMap.caseInsensitiveMultiMap(),
        Buffer.buffer(REGISTRATION)).statusCode()).isEqualTo(415);

    HttpResponse<Buffer> json = api.sendRaw(HttpMethod.POST, "/api/v1/peers",
        headers("Content-Type", "application/json; charset=utf-8"),
        Buffer.buffer(new JsonObject().put("name", "charset").put("address", "http://127.0.0.1:7001").encode()));
    assertThat(json.statusCode()).isEqualTo(201);
  }

  @Test
  @DisplayName("calls that need no body still work without one: heartbeat, complete and leave")
  void bodylessCallsStillWork() {
    Peer holder = api.register("holder", List.of(file(sha("h"), "h.bin", 10)));
    Peer downloader = api.register("downloader", List.of());
    String transferId = api.startTransfer(downloader, sha("h")).bodyAsJsonObject().getString("transferId");
    MultiMap auth = headers("Authorization", "Bearer " + downloader.token());

    assertThat(api.sendRaw(HttpMethod.POST, "/api/v1/peers/" + downloader.peerId() + "/heartbeat", auth, null)
        .statusCode()).isEqualTo(200);
    assertThat(api.sendRaw(HttpMethod.POST, "/api/v1/transfers/" + transferId + "/complete", auth, null)
        .statusCode()).isEqualTo(200);
    assertThat(api.sendRaw(HttpMethod.DELETE, "/api/v1/peers/" + holder.peerId(),
        headers("Authorization", "Bearer " + holder.token()), null).statusCode()).isEqualTo(204);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/api/v1/peers/x", "/api/v1/peers", "/api/v1/files?q=a", "/api/v1/stats", "/health",
      "/eventbus/info", "/", "/no/such/path"})
  @DisplayName("a GET with a multipart, form or text body is never answered 5xx, and 4xx answers are in the error shape")
  void getWithAnyBodyIsNever5xx(String path) {
    for (String contentType : new String[] {"multipart/form-data; boundary=b", "multipart/form-data",
        "application/x-www-form-urlencoded", "text/plain", "application/json"}) {
      for (String body : new String[] {"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b--\r\n", "a=1", ""}) {
        HttpResponse<Buffer> response = api.sendRaw(HttpMethod.GET, path, headers("Content-Type", contentType),
            Buffer.buffer(body));

        assertThat(response.statusCode()).as(contentType + " " + body).isLessThan(500);
        if (response.statusCode() >= 400) {
          assertThat(response.bodyAsJsonObject().getString("message")).as(contentType).endsWith(".");
        }
      }
    }
  }

  @Test
  @DisplayName("malformed JSON gets a sentence of Shoal's own, with no parser internals")
  void malformedJsonGetsASentence() {
    HttpResponse<Buffer> cutShort = postJson("{\"name\": \"x\", ");
    HttpResponse<Buffer> unclosed = postJson("{\"name\": \"x\"");
    HttpResponse<Buffer> garbage = postJson("{\"name\": nonsense}");
    HttpResponse<Buffer> trailing = postJson("{\"name\": \"x\"} {}");
    HttpResponse<Buffer> array = postJson("[]");

    assertThat(cutShort.bodyAsJsonObject().getString("message"))
        .isEqualTo("The body is not valid JSON: it ends before the object is closed.");
    assertThat(unclosed.bodyAsJsonObject().getString("message"))
        .isEqualTo("The body is not valid JSON: it ends before the object is closed.");
    assertThat(garbage.bodyAsJsonObject().getString("message"))
        .matches("The body is not valid JSON: something unexpected at line 1, column \\d+\\.");
    assertThat(trailing.bodyAsJsonObject().getString("message"))
        .isEqualTo("The body is not valid JSON: more follows after the first value ends.");
    assertThat(array.bodyAsJsonObject().getString("message")).isEqualTo("The body must be a JSON object, {…}, not an array.");
    assertThat(List.of(cutShort, unclosed, garbage, trailing, array)).allSatisfy(response -> {
      assertThat(response.statusCode()).isEqualTo(400);
      assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("invalid_request");
      assertThat(response.bodyAsString()).doesNotContain("decode", "Feature", "marker", "Source", "jackson", "token");
    });
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/api/v1/peers", "/api/v1/stats", "/eventbus/info", "/"})
  @DisplayName("a foreign Origin gets 403 and no Access-Control-Allow-Origin, on the API and on the event-bus bridge")
  void foreignOriginGetsNoGrant(String path) {
    HttpResponse<Buffer> get = api.sendRaw(HttpMethod.GET, path, headers("Origin", FOREIGN), null);
    HttpResponse<Buffer> preflight = api.sendRaw(HttpMethod.OPTIONS, path,
        headers("Origin", FOREIGN).add("Access-Control-Request-Method", "POST")
            .add("Access-Control-Request-Headers", "content-type"), null);

    assertThat(List.of(get, preflight)).allSatisfy(response -> {
      assertThat(response.statusCode()).isEqualTo(403);
      assertThat(response.getHeader("Access-Control-Allow-Origin")).isNull();
      assertThat(response.getHeader("Access-Control-Allow-Credentials")).isNull();
      assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("forbidden");
    });
  }

  @Test
  @DisplayName("the SockJS XHR transports give a foreign Origin no grant either")
  void foreignOriginOnXhrTransports() {
    for (String path : new String[] {"/eventbus/123/abcdef/xhr", "/eventbus/123/abcdef/xhr_streaming",
        "/eventbus/123/abcdef/xhr_send"}) {
      HttpResponse<Buffer> response = api.sendRaw(HttpMethod.POST, path, headers("Origin", FOREIGN), null);

      assertThat(response.statusCode()).as(path).isEqualTo(403);
      assertThat(response.getHeader("Access-Control-Allow-Origin")).as(path).isNull();
    }
  }

  @Test
  @DisplayName("an allowed origin gets Access-Control-Allow-Origin for itself alone, on the API and the bridge, and preflights pass")
  void allowedOriginIsGranted() {
    HttpResponse<Buffer> peers = api.sendRaw(HttpMethod.GET, "/api/v1/peers", headers("Origin", ALLOWED), null);
    HttpResponse<Buffer> info = api.sendRaw(HttpMethod.GET, "/eventbus/info", headers("Origin", ALLOWED), null);
    HttpResponse<Buffer> preflight = api.sendRaw(HttpMethod.OPTIONS, "/api/v1/peers",
        headers("Origin", ALLOWED).add("Access-Control-Request-Method", "POST")
            .add("Access-Control-Request-Headers", "content-type"), null);

    assertThat(peers.statusCode()).isEqualTo(200);
    assertThat(info.statusCode()).isEqualTo(200);
    assertThat(preflight.statusCode()).isEqualTo(204);
    assertThat(List.of(peers, info, preflight)).allSatisfy(response ->
        assertThat(response.getHeader("Access-Control-Allow-Origin")).isEqualTo(ALLOWED));
    assertThat(preflight.getHeader("Access-Control-Allow-Methods")).contains("POST");
  }

  @Test
  @DisplayName("the tracker's own pages (its dashboard) are served as before, without CORS headers they do not need")
  void ownOriginIsServed() {
    String own = "http://127.0.0.1:" + tracker.tracker().port();
    HttpResponse<Buffer> peers = api.sendRaw(HttpMethod.GET, "/api/v1/peers", headers("Origin", own), null);
    HttpResponse<Buffer> registration = api.sendRaw(HttpMethod.POST, "/api/v1/peers",
        headers("Origin", own).add("Content-Type", "application/json"),
        Buffer.buffer(new JsonObject().put("name", "own").put("address", "http://127.0.0.1:7001").encode()));

    assertThat(peers.statusCode()).isEqualTo(200);
    assertThat(registration.statusCode()).isEqualTo(201);
  }

  @Test
  @DisplayName("a WebSocket to the event-bus bridge from a foreign page is refused; from the tracker's own page it opens")
  void webSocketHandshakesAreCheckedByOrigin(Vertx vertx) throws Exception {
    var client = vertx.createWebSocketClient();
    int port = tracker.tracker().port();
    Throwable refused = client.connect(bridge(port, FOREIGN)).transform(done -> io.vertx.core.Future.succeededFuture(
        done.failed() ? done.cause() : null)).await(10, TimeUnit.SECONDS);
    WebSocket own = client.connect(bridge(port, "http://127.0.0.1:" + port)).await(10, TimeUnit.SECONDS);

    assertThat(refused).isInstanceOf(UpgradeRejectedException.class);
    assertThat(((UpgradeRejectedException) refused).getStatus()).isEqualTo(403);
    assertThat(own.isClosed()).isFalse();
    own.close().await(10, TimeUnit.SECONDS);
  }

  private static WebSocketConnectOptions bridge(int port, String origin) {
    return new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/eventbus/websocket")
        .addHeader("Origin", origin);
  }

  private HttpResponse<Buffer> postJson(String body) {
    return api.sendRaw(HttpMethod.POST, "/api/v1/peers", headers("Content-Type", "application/json"), Buffer.buffer(body));
  }

  private static MultiMap headers(String name, String value) {
    return MultiMap.caseInsensitiveMultiMap().add(name, value);
  }
}
