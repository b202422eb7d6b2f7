package shoal.tracker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static shoal.tracker.testing.TrackerApi.file;
import static shoal.tracker.testing.TrackerApi.sha;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import shoal.tracker.registry.PeerRegistry;
import shoal.tracker.testing.TrackerApi;
import shoal.tracker.testing.TrackerApi.Peer;
import shoal.tracker.testing.TrackerExtension;

/** Repeated reports cannot grow one peer's holdings without end. */
@ExtendWith(VertxExtension.class)
@Timeout(180)
@DisplayName("One peer's holdings are capped")
class PeerHoldingsCapTest {

  @RegisterExtension
  static final TrackerExtension tracker = new TrackerExtension();

  @Test
  @DisplayName("batches add up to 100 000 files; one more is 400 with a sentence, and the list stays as it was")
  void holdingsStopAtTheCap(Vertx vertx) {
    TrackerApi api = tracker.api(vertx);
    int batch = 10_000;
    Peer hoarder = api.register("hoarder", batch(0, batch));
    for (int from = batch; from < PeerRegistry.MAX_FILES_PER_PEER; from += batch) {
      assertThat(api.post(files(hoarder), hoarder.token(), new JsonObject().put("files", new JsonArray(batch(from, batch))))
          .statusCode()).isEqualTo(200);
    }

    HttpResponse<Buffer> beyond = api.post(files(hoarder), hoarder.token(),
        new JsonObject().put("files", new JsonArray(batch(PeerRegistry.MAX_FILES_PER_PEER, 2))));

    assertThat(beyond.statusCode()).isEqualTo(400);
    assertThat(beyond.bodyAsJsonObject().getString("error")).isEqualTo("invalid_request");
    assertThat(beyond.bodyAsJsonObject().getString("message")).contains("at most 100000 files").endsWith(".");
    assertThat(peerFiles(api, hoarder)).isEqualTo(PeerRegistry.MAX_FILES_PER_PEER);
    assertThat(api.get("/api/v1/files/" + sha("cap-" + PeerRegistry.MAX_FILES_PER_PEER)).statusCode()).isEqualTo(404);

    // Re-reporting files it already holds adds nothing, so it passes; replacing the list shrinks it.
    assertThat(api.post(files(hoarder), hoarder.token(), new JsonObject().put("files", new JsonArray(batch(0, 5))))
        .statusCode()).isEqualTo(200);
    assertThat(api.put(files(hoarder), hoarder.token(), new JsonObject().put("files", new JsonArray(batch(0, 5))))
        .statusCode()).isEqualTo(200);
    assertThat(peerFiles(api, hoarder)).isEqualTo(5);
  }

  private static String files(Peer peer) {
    return "/api/v1/peers/" + peer.peerId() + "/files";
  }

  private static long peerFiles(TrackerApi api, Peer peer) {
    return api.get("/api/v1/peers?limit=1000").bodyAsJsonArray().stream().map(JsonObject.class::cast)
        .filter(p -> peer.peerId().equals(p.getString("peerId"))).findFirst().orElseThrow().getLong("files");
  }

  private static List<JsonObject> batch(int from, int count) {
    return java.util.stream.IntStream.range(from, from + count)
        .mapToObj(i -> file(sha("cap-" + i), "cap-" + i + ".bin", i + 1L)).toList();
  }
}
