package shoal.peer.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.OpenAPIVersion;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import shoal.peer.PeerNode;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;
import shoal.tracker.testing.OpenApiDocuments;
import shoal.tracker.testing.TrackerApi;

/**
 * The control port's OpenAPI document: a valid OpenAPI 3.1 document, served behind the control
 * token, naming every route the port has. (That every answer matches it is checked by the tests that
 * drive a node through {@link PeerNetwork#control}.)
 */
@ExtendWith(VertxExtension.class)
@Timeout(90)
@DisplayName("The control port's OpenAPI document")
class ControlOpenApiDocumentTest {

  private static PeerNetwork network;
  private static PeerNode peer;

  @BeforeAll
  static void start(Vertx vertx, @TempDir Path share) throws Exception {
    TestFiles.text(share.resolve("hello.txt"), "hello");
    network = PeerNetwork.start(vertx);
    peer = network.peer("documented", share);
  }

  @AfterAll
  static void stop() {
    network.close();
  }

  @Test
  @DisplayName("is a valid OpenAPI 3.1 document, by the OpenAPI 3.1 schema (JSON Schema 2020-12 schemas included) and Vert.x's contract loader")
  void validOpenApi31(Vertx vertx) throws Exception {
    JsonObject document = OpenApiDocuments.read(OpenApiDocuments.PEER_CONTROL);

    assertThat(OpenApiDocuments.problems(vertx, document)).as("what the OpenAPI 3.1 schema finds wrong").isEmpty();
    OpenAPIContract contract = OpenAPIContract.from(vertx, document).await(30, TimeUnit.SECONDS);

    assertThat(contract.getVersion()).isEqualTo(OpenAPIVersion.V3_1);
    assertThat(contract.operations()).hasSizeGreaterThanOrEqualTo(9);
    assertThat(contract.securityScheme("controlToken")).isNotNull();
  }

  @Test
  @DisplayName("a broken document is refused by the same checks, each with a message")
  void brokenDocumentRefused(Vertx vertx) throws Exception {
    JsonObject noResponses = OpenApiDocuments.read(OpenApiDocuments.PEER_CONTROL);
    noResponses.getJsonObject("paths").getJsonObject("/api/v1/status").getJsonObject("get").put("responses", "none");
    JsonObject badSchema = OpenApiDocuments.read(OpenApiDocuments.PEER_CONTROL);
    badSchema.getJsonObject("components").getJsonObject("schemas").getJsonObject("Status").put("type", "obect");

    assertThat(OpenApiDocuments.problems(vertx, noResponses)).isNotEmpty();
    assertThat(OpenApiDocuments.problems(vertx, badSchema)).anySatisfy(problem -> assertThat(problem).contains("Status"));
    assertThat(TrackerApi.await(OpenAPIContract.from(vertx, noResponses).map(ok -> "loaded")
        .recover(e -> Future.succeededFuture(e.getMessage())))).isNotEqualTo("loaded").isNotBlank();
  }

  @Test
  @DisplayName("is served at GET /api/v1/openapi.json with the control token, as application/json")
  void served(Vertx vertx) {
    TrackerApi control = network.control(peer);

    HttpResponse<Buffer> served = control.send(HttpMethod.GET, "/api/v1/openapi.json", peer.controlToken(), null);
    HttpResponse<Buffer> refused = control.get("/api/v1/openapi.json");

    assertThat(served.statusCode()).isEqualTo(200);
    assertThat(served.getHeader("Content-Type")).isEqualTo("application/json");
    assertThat(served.bodyAsJsonObject()).isEqualTo(OpenApiDocuments.read(OpenApiDocuments.PEER_CONTROL));
    assertThat(refused.statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("names every route of the control API, and no route that does not exist")
  void everyRouteDocumented(Vertx vertx) {
    TrackerApi control = network.control(peer);
    JsonObject paths = OpenApiDocuments.read(OpenApiDocuments.PEER_CONTROL).getJsonObject("paths");
    Set<String> documented = new TreeSet<>();
    paths.forEach(path -> ((JsonObject) path.getValue()).fieldNames().stream()
        .filter(method -> !method.equals("parameters"))
        .forEach(method -> documented.add(method.toUpperCase() + " " + path.getKey())));

    assertThat(documented).containsExactlyInAnyOrder(
        "GET /", "GET /api/v1/status", "GET /api/v1/files", "GET /api/v1/search", "POST /api/v1/downloads",
        "GET /api/v1/downloads", "GET /api/v1/downloads/{downloadId}", "DELETE /api/v1/downloads/{downloadId}",
        "POST /api/v1/leave", "GET /api/v1/openapi.json");
    // Each documented route exists (leaving aside the one that stops the node): none answers the router's 404 or 405.
    for (String route : documented) {
      if (route.equals("POST /api/v1/leave")) {
        continue;
      }
      String method = route.substring(0, route.indexOf(' '));
      String path = route.substring(route.indexOf(' ') + 1).replace("{downloadId}", "no-such-download");
      HttpResponse<Buffer> answer = control.send(HttpMethod.valueOf(method), path, peer.controlToken(),
          method.equals("POST") ? new JsonObject().put("sha256", TrackerApi.sha("nobody has it")) : null);
      assertThat(answer.statusCode()).as(route).isNotEqualTo(405);
      if (answer.statusCode() == 404) {
        assertThat(answer.bodyAsJsonObject().getString("error")).as(route).isNotEqualTo("not_found");
      }
    }
  }
}
