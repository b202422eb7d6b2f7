package shoal.tracker.testing;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The check the test clients run on every answer catches each way an answer can leave the document. */
@DisplayName("Answers checked against the OpenAPI document")
class ApiDocumentCheckTest {

  private final ApiDocumentCheck tracker = ApiDocumentCheck.of(OpenApiDocuments.TRACKER);
  private static final String STATS = "{\"peers\":1,\"files\":2,\"holdings\":2,\"activeTransfers\":0,"
      + "\"completedTransfers\":0,\"bytesTransferred\":0}";

  @Test
  @DisplayName("an answer as documented passes, whatever the query and the Content-Type's parameters")
  void documentedAnswerPasses() {
    assertThatCode(() -> tracker.check(HttpMethod.GET, "/api/v1/stats?x=1", 200, json(), Buffer.buffer(STATS)))
        .doesNotThrowAnyException();
    assertThatCode(() -> tracker.check(HttpMethod.GET, "/metrics", 200,
        MultiMap.caseInsensitiveMultiMap().add("Content-Type", "text/plain; version=0.0.4; charset=utf-8"),
        Buffer.buffer("# TYPE shoal_peers gauge\nshoal_peers 1\n"))).doesNotThrowAnyException();
    assertThatCode(() -> tracker.check(HttpMethod.DELETE, "/api/v1/peers/" + java.util.UUID.randomUUID(), 204,
        MultiMap.caseInsensitiveMultiMap(), null)).doesNotThrowAnyException();
  }

  @Test
  @DisplayName("a body that breaks its schema fails, naming the field")
  void wrongBodyFails() {
    Buffer noPeers = Buffer.buffer(STATS.replace("\"peers\":1,", ""));
    Buffer textPeers = Buffer.buffer(STATS.replace("\"peers\":1", "\"peers\":\"one\""));

    assertThatThrownBy(() -> tracker.check(HttpMethod.GET, "/api/v1/stats", 200, json(), noPeers))
        .isInstanceOf(AssertionError.class).hasMessageContaining("does not match");
    assertThatThrownBy(() -> tracker.check(HttpMethod.GET, "/api/v1/stats", 200, json(), textPeers))
        .isInstanceOf(AssertionError.class).hasMessageContaining("/peers");
  }

  @Test
  @DisplayName("an undocumented status, path, Content-Type or missing Retry-After fails")
  void undocumentedAnswersFail() {
    Buffer error = Buffer.buffer("{\"error\":\"busy\",\"message\":\"Busy.\"}");

    assertThatThrownBy(() -> tracker.check(HttpMethod.GET, "/api/v1/stats", 418, json(), error))
        .isInstanceOf(AssertionError.class).hasMessageContaining("does not document");
    assertThatThrownBy(() -> tracker.check(HttpMethod.GET, "/api/v1/secrets", 200, json(), Buffer.buffer("{}")))
        .isInstanceOf(AssertionError.class).hasMessageContaining("no such operation");
    assertThatThrownBy(() -> tracker.check(HttpMethod.GET, "/api/v1/stats", 200,
        MultiMap.caseInsensitiveMultiMap().add("Content-Type", "text/html"), Buffer.buffer(STATS)))
        .isInstanceOf(AssertionError.class).hasMessageContaining("Content-Type");
    assertThatThrownBy(() -> tracker.check(HttpMethod.GET, "/api/v1/stats", 503, json(), error))
        .isInstanceOf(AssertionError.class).hasMessageContaining("Retry-After");
    assertThatCode(() -> tracker.check(HttpMethod.GET, "/api/v1/stats", 503, json().add("Retry-After", "5"), error))
        .doesNotThrowAnyException();
  }

  @Test
  @DisplayName("an unknown path may only answer the generic 404 or 405 in the error shape")
  void unknownPathsAnswerOnlyGenericRefusals() {
    Buffer notFound = Buffer.buffer("{\"error\":\"not_found\",\"message\":\"There is nothing at /nope.\"}");

    assertThatCode(() -> tracker.check(HttpMethod.GET, "/nope", 404, json(), notFound)).doesNotThrowAnyException();
    assertThatThrownBy(() -> tracker.check(HttpMethod.GET, "/nope", 404, json(), Buffer.buffer("nothing")))
        .isInstanceOf(AssertionError.class);
  }

  @Test
  @DisplayName("the SockJS bridge's session transports speak SockJS, and are left to it")
  void sockJsTransportsLeftAlone() {
    MultiMap javascript = MultiMap.caseInsensitiveMultiMap().add("Content-Type", "application/javascript; charset=UTF-8");

    assertThatCode(() -> tracker.check(HttpMethod.POST, "/eventbus/000/abc/xhr", 200, javascript, Buffer.buffer("o\n")))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> tracker.check(HttpMethod.GET, "/eventbus/info", 200, json(), Buffer.buffer("[]")))
        .isInstanceOf(AssertionError.class);
  }

  private static MultiMap json() {
    return MultiMap.caseInsensitiveMultiMap().add("Content-Type", "application/json");
  }
}
