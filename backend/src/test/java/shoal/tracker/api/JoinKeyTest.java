package shoal.tracker.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import shoal.common.http.JoinKeyHeader;
import shoal.tracker.testing.TrackerApi;
import shoal.tracker.testing.TrackerExtension;

/** A tracker started with a join key admits only peers that show it; everything else works as before. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
@DisplayName("A join key keeps strangers from registering")
class JoinKeyTest {

  private static final String KEY = "our-machines-only-7f3a";

  @RegisterExtension
  static final TrackerExtension tracker = TrackerExtension.tuned(config ->
      config.withAccess(config.access().withJoinKey(KEY)));

  private TrackerApi api;

  @BeforeEach
  void connect(Vertx vertx) {
    api = tracker.api(vertx);
  }

  @Test
  @DisplayName("without the key a registration is 401 with a sentence naming --join-key, and registers nothing")
  void withoutKeyIsUnauthorized() {
    HttpResponse<Buffer> response = register("stranger", null);

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("unauthorized");
    assertThat(response.bodyAsJsonObject().getString("message")).contains("--join-key").endsWith(".");
    assertThat(peerNames()).doesNotContain("stranger");
  }

  @Test
  @DisplayName("a wrong key, even one that starts like the right one, is 403 and the answer never echoes a key")
  void wrongKeyIsForbidden() {
    for (String guess : new String[] {"wrong", KEY.substring(0, KEY.length() - 1), KEY + "x"}) {
      HttpResponse<Buffer> response = register("guesser", guess);

      assertThat(response.statusCode()).as(guess).isEqualTo(403);
      assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("forbidden");
      assertThat(response.bodyAsString()).doesNotContain(KEY).doesNotContain(guess);
    }
    assertThat(peerNames()).doesNotContain("guesser");
  }

  @Test
  @DisplayName("with the key a peer registers (201), and its token alone serves the calls that follow")
  void withKeyRegisters() {
    HttpResponse<Buffer> response = register("member", KEY);

    assertThat(response.statusCode()).isEqualTo(201);
    JsonObject registration = response.bodyAsJsonObject();
    String path = "/api/v1/peers/" + registration.getString("peerId");
    assertThat(api.post(path + "/heartbeat", registration.getString("token"), null).statusCode()).isEqualTo(200);
    assertThat(api.get("/api/v1/peers").bodyAsJsonArray().size()).isPositive();
    assertThat(api.delete(path, registration.getString("token")).statusCode()).isEqualTo(204);
  }

  private HttpResponse<Buffer> register(String name, String key) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Content-Type", "application/json");
    if (key != null) {
      headers.add(JoinKeyHeader.NAME, key);
    }
    return api.sendRaw(HttpMethod.POST, "/api/v1/peers", headers,
        Buffer.buffer(new JsonObject().put("name", name).put("address", "http://127.0.0.1:7001").encode()));
  }

  private java.util.List<String> peerNames() {
    return api.get("/api/v1/peers").bodyAsJsonArray().stream().map(p -> ((JsonObject) p).getString("name")).toList();
  }
}
