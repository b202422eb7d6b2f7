package shoal.tracker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static shoal.tracker.testing.TrackerApi.file;
import static shoal.tracker.testing.TrackerApi.sha;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
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
import shoal.tracker.testing.TrackerApi;
import shoal.tracker.testing.TrackerApi.Peer;

/** The embedded default keeps its data: a restarted tracker remembers the network. */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("Restarting the tracker on the same data directory")
class TrackerRestartTest {

  @Test
  @DisplayName("peers, files and completed transfer counts survive a restart of the embedded tracker")
  void registrySurvivesRestart(Vertx vertx, @TempDir Path dataDir) {
    TrackerConfig config = new TrackerConfig("127.0.0.1", 0, null, dataDir, Duration.ofSeconds(10), Duration.ofMinutes(5));
    String paper = sha("paper");
    Peer author, reader;
    try (Tracker first = Tracker.start(config)) {
      TrackerApi api = new TrackerApi(vertx, first.url());
      author = api.register("author", List.of(file(paper, "paper.pdf", 42_000)));
      reader = api.register("reader", List.of());
      String transferId = api.startTransfer(reader, paper).bodyAsJsonObject().getString("transferId");
      assertThat(api.post("/api/v1/transfers/" + transferId + "/complete", reader.token(), null).statusCode()).isEqualTo(200);
    }
    assertThat(dataDir.resolve("pg").resolve("PG_VERSION")).exists();

    try (Tracker second = Tracker.start(config)) {
      TrackerApi api = new TrackerApi(vertx, second.url());
      assertThat(api.get("/api/v1/peers").bodyAsJsonArray().stream().map(p -> ((JsonObject) p).getString("name")))
          .containsExactlyInAnyOrder("author", "reader");
      assertThat(api.get("/api/v1/files/" + paper).bodyAsJsonObject().getJsonArray("holders")).hasSize(2);
      JsonObject stats = api.get("/api/v1/stats").bodyAsJsonObject();
      assertThat(stats.getLong("completedTransfers")).isEqualTo(1);
      assertThat(stats.getLong("files")).isEqualTo(1);
      // Tokens survive too: the peers carry on without registering again.
      assertThat(api.post("/api/v1/peers/" + author.peerId() + "/heartbeat", author.token(), null).statusCode()).isEqualTo(200);
      assertThat(api.delete("/api/v1/peers/" + reader.peerId(), reader.token()).statusCode()).isEqualTo(204);
    }
  }
}
