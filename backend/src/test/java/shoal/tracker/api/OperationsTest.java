package shoal.tracker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static shoal.tracker.testing.TrackerApi.file;
import static shoal.tracker.testing.TrackerApi.sha;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import shoal.tracker.testing.TrackerExtension;
import shoal.tracker.testing.TrackerApi;

/** What operators watch: health, Prometheus metrics and the network's counters. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
@DisplayName("Health, metrics and stats")
class OperationsTest {

  @RegisterExtension
  static final TrackerExtension tracker = new TrackerExtension();

  @Test
  @DisplayName("/health is UP, /metrics is Prometheus text, /api/v1/stats counts peers, files and holdings")
  void healthMetricsAndStats(Vertx vertx) {
    TrackerApi api = tracker.api(vertx);
    api.register("ops-a", List.of(file(sha("o1"), "o1", 1), file(sha("o2"), "o2", 2)));
    api.register("ops-b", List.of(file(sha("o1"), "o1", 1)));

    HttpResponse<Buffer> health = api.get("/health");
    HttpResponse<Buffer> metrics = api.get("/metrics");
    JsonObject stats = api.get("/api/v1/stats").bodyAsJsonObject();

    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.bodyAsJsonObject().getString("status")).isEqualTo("UP");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.getHeader("Content-Type")).startsWith("text/plain");
    assertThat(metrics.bodyAsString()).contains("# TYPE vertx_http_server_requests_total counter", "jvm_memory_used_bytes");
    assertThat(stats.getMap()).containsEntry("peers", 2).containsEntry("files", 2).containsEntry("holdings", 3)
        .containsEntry("activeTransfers", 0).containsEntry("completedTransfers", 0).containsEntry("bytesTransferred", 0);
  }
}
