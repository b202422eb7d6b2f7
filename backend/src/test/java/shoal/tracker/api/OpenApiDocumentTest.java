package shoal.tracker.api;

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
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import shoal.tracker.testing.OpenApiDocuments;
import shoal.tracker.testing.TrackerApi;
import shoal.tracker.testing.TrackerExtension;

/**
 * The tracker's OpenAPI document: a valid OpenAPI 3.1 document, served by the tracker, naming every
 * route the tracker has. (That every answer matches it is checked by every API test, through
 * {@link TrackerApi}.)
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
@DisplayName("The tracker's OpenAPI document")
class OpenApiDocumentTest {

  @RegisterExtension
  static final TrackerExtension tracker = new TrackerExtension();

  @Test
  @DisplayName("is a valid OpenAPI 3.1 document, by the OpenAPI 3.1 schema (JSON Schema 2020-12 schemas included) and Vert.x's contract loader")
  void validOpenApi31(Vertx vertx) throws Exception {
    JsonObject document = OpenApiDocuments.read(OpenApiDocuments.TRACKER);

    assertThat(OpenApiDocuments.problems(vertx, document)).as("what the OpenAPI 3.1 schema finds wrong").isEmpty();
    OpenAPIContract contract = OpenAPIContract.from(vertx, document).await(30, java.util.concurrent.TimeUnit.SECONDS);

    assertThat(contract.getVersion()).isEqualTo(OpenAPIVersion.V3_1);
    assertThat(contract.operations()).hasSizeGreaterThanOrEqualTo(20);
  }

  @Test
  @DisplayName("a broken document is refused by the same checks, each with a message")
  void brokenDocumentRefused(Vertx vertx) throws Exception {
    JsonObject noResponses = OpenApiDocuments.read(OpenApiDocuments.TRACKER);
    noResponses.getJsonObject("paths").getJsonObject("/api/v1/stats").getJsonObject("get").put("responses", "none");
    JsonObject badSchema = OpenApiDocuments.read(OpenApiDocuments.TRACKER);
    badSchema.getJsonObject("components").getJsonObject("schemas").getJsonObject("Stats").put("type", "obect");

    assertThat(OpenApiDocuments.problems(vertx, noResponses)).isNotEmpty();
    assertThat(OpenApiDocuments.problems(vertx, badSchema)).anySatisfy(problem -> assertThat(problem).contains("Stats"));
    assertThat(TrackerApi.await(OpenAPIContract.from(vertx, noResponses).map(ok -> "loaded")
        .recover(e -> Future.succeededFuture(e.getMessage())))).isNotEqualTo("loaded").isNotBlank();
  }

  @Test
  @DisplayName("is served at GET /api/v1/openapi.json without auth, as application/json")
  void served(Vertx vertx) {
    HttpResponse<Buffer> served = tracker.api(vertx).get("/api/v1/openapi.json");

    assertThat(served.statusCode()).isEqualTo(200);
    assertThat(served.getHeader("Content-Type")).isEqualTo("application/json");
    assertThat(served.bodyAsJsonObject()).isEqualTo(OpenApiDocuments.read(OpenApiDocuments.TRACKER));
  }

  @Test
  @DisplayName("names every route of the tracker's REST API, and no route that does not exist")
  void everyRouteDocumented(Vertx vertx) {
    TrackerApi api = tracker.api(vertx);
    JsonObject paths = OpenApiDocuments.read(OpenApiDocuments.TRACKER).getJsonObject("paths");
    Set<String> documented = new TreeSet<>();
    paths.forEach(path -> ((JsonObject) path.getValue()).fieldNames().stream()
        .filter(method -> !method.equals("parameters"))
        .forEach(method -> documented.add(method.toUpperCase() + " " + path.getKey())));

    assertThat(documented).containsExactlyInAnyOrder(
        "POST /api/v1/peers", "GET /api/v1/peers", "GET /api/v1/peers/{peerId}", "DELETE /api/v1/peers/{peerId}",
        "PUT /api/v1/peers/{peerId}/files", "POST /api/v1/peers/{peerId}/files", "POST /api/v1/peers/{peerId}/heartbeat",
        "PUT /api/v1/peers/{peerId}/partials/{sha256}", "DELETE /api/v1/peers/{peerId}/partials/{sha256}",
        "GET /api/v1/partials", "GET /api/v1/files", "GET /api/v1/files/{sha256}", "POST /api/v1/transfers",
        "GET /api/v1/transfers", "POST /api/v1/transfers/{transferId}/progress",
        "POST /api/v1/transfers/{transferId}/complete", "POST /api/v1/transfers/{transferId}/fail",
        "GET /api/v1/stats", "GET /api/v1/openapi.json", "GET /health", "GET /metrics", "GET /eventbus/info", "GET /");
    // Each documented route exists: none of them answers the router's own 404 or 405.
    String someone = "00000000-0000-0000-0000-000000000000";
    String hash = TrackerApi.sha("documented");
    for (String route : documented) {
      String method = route.substring(0, route.indexOf(' '));
      String path = route.substring(route.indexOf(' ') + 1)
          .replace("{peerId}", someone).replace("{transferId}", someone).replace("{sha256}", hash);
      HttpResponse<Buffer> answer = api.send(HttpMethod.valueOf(method), path, null, null);
      assertThat(answer.statusCode()).as(route).isNotEqualTo(405);
      if (answer.statusCode() == 404) {
        assertThat(answer.bodyAsJsonObject().getString("error")).as(route).isNotEqualTo("not_found");
      }
    }
  }
}
