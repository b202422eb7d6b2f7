package shoal.tracker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static shoal.tracker.testing.TrackerApi.file;
import static shoal.tracker.testing.TrackerApi.sha;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import shoal.tracker.Tracker;
import shoal.tracker.TrackerConfig;
import shoal.tracker.db.EmbeddedDatabase;
import shoal.tracker.testing.TrackerApi;
import shoal.tracker.testing.TrackerApi.Peer;

/** PostgreSQL going away is an outage to report (503), not a crash; its return needs no restart. */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("Riding out a PostgreSQL outage")
class DatabaseOutageTest {

  @Test
  @DisplayName("while PostgreSQL is down the API and /health answer 503; when it is back everything works again")
  void apiAnswers503WhileDatabaseIsDownAndRecovers(Vertx vertx, @TempDir Path dataDir) throws IOException {
    int pgPort = freePort();
    Path pgDir = dataDir.resolve("pg");
    EmbeddedDatabase database = EmbeddedDatabase.start(pgDir, pgPort);
    TrackerConfig config = new TrackerConfig("127.0.0.1", 0, database.url().toUrl(), pgDir, Duration.ofSeconds(10), Duration.ofMinutes(5));
    try (Tracker tracker = Tracker.start(config)) {
      TrackerApi api = new TrackerApi(vertx, tracker.url());
      Peer before = api.register("before-outage", List.of(file(sha("survivor"), "survivor.txt", 7)));

      database.close();
      HttpResponse<Buffer> health = api.get("/health");
      HttpResponse<Buffer> lookup = api.get("/api/v1/files/" + sha("survivor"));
      HttpResponse<Buffer> register = api.post("/api/v1/peers", null,
          new io.vertx.core.json.JsonObject().put("name", "during").put("address", "http://127.0.0.1:7001"));

      assertThat(health.statusCode()).isEqualTo(503);
      assertThat(health.bodyAsJsonObject().getString("status")).isEqualTo("DOWN");
      assertThat(List.of(lookup, register)).allSatisfy(response -> {
        assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(503);
        assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("unavailable");
        assertThat(response.bodyAsJsonObject().getString("message")).isNotBlank();
      });

      database = EmbeddedDatabase.start(pgDir, pgPort);
      assertThat(eventuallyHealthy(api)).isTrue();
      assertThat(api.get("/api/v1/files/" + sha("survivor")).statusCode()).isEqualTo(200);
      assertThat(api.post("/api/v1/peers/" + before.peerId() + "/heartbeat", before.token(), null).statusCode()).isEqualTo(200);
      assertThat(api.register("after-outage", List.of()).peerId()).isNotBlank();
    } finally {
      database.close();
    }
  }

  /** Polls /health for up to 20 s: the pool reconnects on its own. */
  private static boolean eventuallyHealthy(TrackerApi api) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      if (api.get("/health").statusCode() == 200) {
        return true;
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
