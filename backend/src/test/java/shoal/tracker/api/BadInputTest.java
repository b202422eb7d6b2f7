package shoal.tracker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static shoal.tracker.testing.TrackerApi.file;
import static shoal.tracker.testing.TrackerApi.sha;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import shoal.tracker.testing.TrackerExtension;
import shoal.tracker.testing.TrackerApi;
import shoal.tracker.testing.TrackerApi.Peer;

/** Bad input gets a clear 4xx in the contract's error shape; nothing half-written stays behind. */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("Bad input is refused cleanly")
class BadInputTest {

  @RegisterExtension
  static final TrackerExtension tracker = new TrackerExtension();

  private TrackerApi api;

  @BeforeEach
  void connect(Vertx vertx) {
    api = tracker.api(vertx);
  }

  static Stream<Arguments> badRegistrations() {
    JsonObject valid = new JsonObject().put("name", "x").put("address", "http://127.0.0.1:7001");
    return Stream.of(
        Arguments.of("malformed JSON", Buffer.buffer("{\"name\": \"x\", ")),
        Arguments.of("a JSON array", Buffer.buffer("[]")),
        Arguments.of("no name", new JsonObject().put("address", "http://127.0.0.1:7001")),
        Arguments.of("a name that is a number", valid.copy().put("name", 7)),
        Arguments.of("an ftp address", valid.copy().put("address", "ftp://127.0.0.1/x")),
        Arguments.of("a relative address", valid.copy().put("address", "/files")),
        Arguments.of("a short sha256", valid.copy().put("files", new JsonArray().add(file("abc123", "a", 1)))),
        Arguments.of("an uppercase sha256", valid.copy().put("files", new JsonArray().add(file(sha("u").toUpperCase(), "a", 1)))),
        Arguments.of("a negative size", valid.copy().put("files", new JsonArray().add(file(sha("n"), "a", -1)))),
        Arguments.of("a fractional size", valid.copy().put("files", new JsonArray().add(new JsonObject()
            .put("sha256", sha("f")).put("name", "a").put("size", 1.5)))),
        Arguments.of("files that is not an array", valid.copy().put("files", "all of them")),
        Arguments.of("a valid file after a bad one", valid.copy().put("files", new JsonArray()
            .add(file(sha("ok"), "ok", 1)).add(file(sha("bad"), "", 1)))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRegistrations")
  @DisplayName("a bad registration is 400 invalid_request and registers nothing")
  void badRegistrationIsRefused(String what, Object body) {
    int peersBefore = peerCount();

    HttpResponse<Buffer> response = api.post("/api/v1/peers", null, body);

    assertThat(response.statusCode()).as(what).isEqualTo(400);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("invalid_request");
    assertThat(response.bodyAsJsonObject().getString("message")).isNotBlank();
    assertThat(peerCount()).isEqualTo(peersBefore);
  }

  @Test
  @DisplayName("a 50 MB body is 413 in the error shape")
  void hugeBodyIsTooLarge() {
    byte[] filler = new byte[50 * 1024 * 1024];
    java.util.Arrays.fill(filler, (byte) 'a');
    Buffer body = Buffer.buffer("{\"name\":\"").appendBytes(filler).appendString("\"}");

    HttpResponse<Buffer> response = api.post("/api/v1/peers", null, body);

    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("payload_too_large");
    assertThat(api.get("/health").statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("10 001 files in one registration are refused whole with 400, saying to send the rest separately")
  void tooManyFilesAreRefusedWhole() {
    // Small entries, so the body stays far below the 4 MiB limit and only the file cap can refuse it.
    JsonArray files = new JsonArray();
    for (int i = 0; i <= 10_000; i++) {
      files.add(file(sha("many-" + i), "f" + i, i + 1));
    }
    Buffer body = Buffer.buffer(new JsonObject().put("name", "hoarder").put("address", "http://127.0.0.1:7009")
        .put("files", files).encode());
    assertThat(body.length()).as("body bytes").isLessThan(4 * 1024 * 1024);
    int peersBefore = peerCount();

    HttpResponse<Buffer> response = api.post("/api/v1/peers", null, body);

    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(400);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("invalid_request");
    assertThat(response.bodyAsJsonObject().getString("message")).contains("10000", "10001", "POST /api/v1/peers/{peerId}/files");
    assertThat(peerCount()).isEqualTo(peersBefore);
    assertThat(api.get("/api/v1/files/" + sha("many-0")).statusCode()).isEqualTo(404);
    assertThat(api.get("/api/v1/files/" + sha("many-10000")).statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("10 000 files, the most one request takes, register in one go")
  void tenThousandFilesRegister() {
    JsonArray files = new JsonArray();
    for (int i = 0; i < 10_000; i++) {
      files.add(file(sha("bulk-" + i), "bulk-" + i + ".dat", i + 1));
    }
    HttpResponse<Buffer> response = api.post("/api/v1/peers", null,
        new JsonObject().put("name", "bulk").put("address", "http://127.0.0.1:7010").put("files", files));

    assertThat(response.statusCode()).isEqualTo(201);
    String peerId = response.bodyAsJsonObject().getString("peerId");
    assertThat(api.get("/api/v1/peers/" + peerId).bodyAsJsonObject().getJsonArray("files")).hasSize(10_000);
    assertThat(api.delete("/api/v1/peers/" + peerId, response.bodyAsJsonObject().getString("token")).statusCode()).isEqualTo(204);
  }

  @Test
  @DisplayName("a bad update leaves the peer's list as it was")
  void badUpdateChangesNothing() {
    Peer keeper = api.register("keeper", List.of(file(sha("kept"), "kept.txt", 1)));

    HttpResponse<Buffer> response = api.put("/api/v1/peers/" + keeper.peerId() + "/files", keeper.token(),
        new JsonObject().put("files", new JsonArray().add(file(sha("new"), "new.txt", 1)).add(file("nope", "x", 1))));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(api.get("/api/v1/peers/" + keeper.peerId()).bodyAsJsonObject().getJsonArray("files")
        .getJsonObject(0).getString("sha256")).isEqualTo(sha("kept"));
  }

  @Test
  @DisplayName("a bad part in an addition adds nothing: the good files beside it stay unknown and the list is as it was")
  void badAdditionChangesNothing() {
    Peer adder = api.register("adder", List.of(file(sha("adder-kept"), "adder-kept.txt", 1)));
    String good = sha("adder-good");

    // The good file comes first, so a tracker that stored files one by one would keep it.
    HttpResponse<Buffer> response = api.post("/api/v1/peers/" + adder.peerId() + "/files", adder.token(),
        new JsonObject().put("files", new JsonArray().add(file(good, "adder-good.txt", 2)).add(file(sha("adder-bad"), "x", -5))));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("invalid_request");
    assertThat(response.bodyAsJsonObject().getString("message")).startsWith("files[1] (sha256 " + sha("adder-bad") + ")");
    assertThat(api.get("/api/v1/peers/" + adder.peerId()).bodyAsJsonObject().getJsonArray("files").stream()
        .map(f -> ((JsonObject) f).getString("sha256"))).containsExactly(sha("adder-kept"));
    assertThat(api.get("/api/v1/files/" + good).statusCode()).isEqualTo(404);
    assertThat(api.get("/api/v1/files?q=adder-good").bodyAsJsonArray()).isEmpty();
  }

  @Test
  @DisplayName("bad paths, parameters and ids get 400 or 404 in the error shape, never 5xx")
  void badParametersAndIds() {
    Peer peer = api.register("params", List.of());
    List<HttpResponse<Buffer>> answers = List.of(
        api.get("/api/v1/files/" + sha("x").toUpperCase()),
        api.get("/api/v1/files/abc"),
        api.get("/api/v1/files?limit=0"),
        api.get("/api/v1/files?limit=abc"),
        api.get("/api/v1/files?offset=-1"),
        api.get("/api/v1/transfers?state=everything"),
        api.get("/api/v1/peers/12345"),
        api.post("/api/v1/transfers", peer.token(), new JsonObject().put("sha256", "short")),
        api.post("/api/v1/transfers", peer.token(), new JsonObject().put("sha256", sha("y")).put("exclude", "me")),
        api.post("/api/v1/transfers/not-a-uuid/complete", peer.token(), null),
        api.post("/api/v1/transfers/00000000-0000-0000-0000-000000000000/progress", peer.token(), new JsonObject().put("bytes", 1)),
        api.send(HttpMethod.PATCH, "/api/v1/peers", null, null),
        api.get("/no/such/path"));

    assertThat(answers).allSatisfy(response -> {
      assertThat(response.statusCode()).as(response.bodyAsString()).isBetween(400, 499);
      assertThat(response.bodyAsJsonObject().getString("error")).isNotBlank();
      assertThat(response.bodyAsJsonObject().getString("message")).isNotBlank();
    });
    assertThat(answers.get(0).statusCode()).isEqualTo(400);
    assertThat(answers.get(6).bodyAsJsonObject().getString("error")).isEqualTo("unknown_peer");
    assertThat(answers.get(10).bodyAsJsonObject().getString("error")).isEqualTo("unknown_transfer");
  }

  private int peerCount() {
    return api.get("/api/v1/peers").bodyAsJsonArray().size();
  }
}
