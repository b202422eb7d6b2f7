package shoal.tracker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static shoal.tracker.testing.TrackerApi.file;
import static shoal.tracker.testing.TrackerApi.sha;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import shoal.tracker.testing.BridgeSocket;
import shoal.tracker.testing.TrackerApi;
import shoal.tracker.testing.TrackerApi.Peer;
import shoal.tracker.testing.TrackerExtension;

/**
 * A download from several holders completes one transfer per holder: each is credited with the
 * bytes its source supplied ({@code {"bytes"}} on {@code complete}), so the network's totals grow
 * by the file once, not once per holder.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
@DisplayName("Completing a transfer with the bytes its source supplied")
class CreditedBytesTest {

  private static final long SIZE = 3_000_000;

  @RegisterExtension
  static final TrackerExtension tracker = new TrackerExtension();

  private TrackerApi api;

  @BeforeEach
  void connect(Vertx vertx) {
    api = tracker.api(vertx);
  }

  @Test
  @DisplayName("a file fetched from three holders adds its size once to bytesTransferred, to each holder's servedTotal and event what it supplied")
  void threeSourcesAddTheFileOnce(Vertx vertx) throws InterruptedException {
    String film = sha("credit-film");
    List<Peer> holders = List.of(
        api.register("credit-holder-1", List.of(file(film, "film.mkv", SIZE))),
        api.register("credit-holder-2", List.of(file(film, "film.mkv", SIZE))),
        api.register("credit-holder-3", List.of(file(film, "film.mkv", SIZE))));
    Peer downloader = api.register("credit-downloader", List.of());
    JsonObject before = stats();

    List<JsonObject> leases = new ArrayList<>();
    for (int i = 0; i < holders.size(); i++) {
      JsonObject request = new JsonObject().put("sha256", film)
          .put("exclude", leases.stream().map(lease -> lease.getJsonObject("source").getString("peerId")).toList());
      HttpResponse<Buffer> started = api.post("/api/v1/transfers", downloader.token(), request);
      assertThat(started.statusCode()).as(started.bodyAsString()).isEqualTo(201);
      leases.add(started.bodyAsJsonObject());
    }
    long[] supplied = {1_000_000, 1_500_000, 500_000};
    try (BridgeSocket socket = BridgeSocket.open(vertx, tracker.tracker().port())) {
      socket.listenTo("shoal.events");
      for (int i = 0; i < leases.size(); i++) {
        assertThat(complete(leases.get(i), downloader, new JsonObject().put("bytes", supplied[i])).statusCode()).isEqualTo(200);
        JsonObject completed = socket.nextEvent("transfer.completed");
        assertThat(completed.getString("transferId")).isEqualTo(leases.get(i).getString("transferId"));
        assertThat(completed.getLong("bytes")).as("the event's bytes").isEqualTo(supplied[i]);
      }
    }

    JsonObject after = stats();
    assertThat(after.getLong("bytesTransferred") - before.getLong("bytesTransferred")).isEqualTo(SIZE);
    assertThat(after.getLong("completedTransfers") - before.getLong("completedTransfers")).isEqualTo(3);
    for (int i = 0; i < leases.size(); i++) {
      String source = leases.get(i).getJsonObject("source").getString("peerId");
      assertThat(servedTotalInList(source)).as("servedTotal of " + source).isEqualTo(supplied[i]);
      assertThat(transfer(leases.get(i)).getLong("bytes")).isEqualTo(supplied[i]);
    }
  }

  @Test
  @DisplayName("bytes below 0, above the size, or not a whole number are a 400 invalid_request, and nothing is credited")
  void badBytesAreRefused() {
    String archive = sha("credit-archive");
    Peer source = api.register("credit-bad-source", List.of(file(archive, "archive.tar", SIZE)));
    Peer downloader = api.register("credit-bad-downloader", List.of());
    JsonObject lease = api.startTransfer(downloader, archive).bodyAsJsonObject();
    JsonObject before = stats();

    for (Object bad : new Object[] {-1, SIZE + 1, 1.5, "1000", true, null}) {
      HttpResponse<Buffer> refused = complete(lease, downloader, new JsonObject().put("bytes", bad));
      assertThat(refused.statusCode()).as("bytes " + bad + ": " + refused.bodyAsString()).isEqualTo(400);
      JsonObject error = refused.bodyAsJsonObject();
      assertThat(error.fieldNames()).as("bytes " + bad).containsExactlyInAnyOrder("error", "message");
      assertThat(error.getString("error")).isEqualTo("invalid_request");
      assertThat(error.getString("message")).contains("bytes");
    }

    assertThat(transfer(lease).getString("state")).isEqualTo("active");
    assertThat(servedTotalInList(source.peerId())).isZero();
    assertThat(stats()).isEqualTo(before);
  }

  @Test
  @DisplayName("without a body, with an empty one, or with no bytes in it, the whole size is credited as before")
  void noBytesMeansTheWholeFile() {
    // A file of its own for each way: a downloader that completed one holds it, and could be the next one's source.
    List<String> datasets = List.of(sha("credit-dataset-1"), sha("credit-dataset-2"), sha("credit-dataset-3"));
    Peer source = api.register("credit-full-source",
        datasets.stream().map(dataset -> file(dataset, "dataset-" + dataset.substring(0, 8) + ".csv", SIZE)).toList());
    List<Buffer> bodies = new ArrayList<>();
    bodies.add(null);
    bodies.add(Buffer.buffer());
    bodies.add(Buffer.buffer("{}"));
    for (int i = 0; i < bodies.size(); i++) {
      Buffer body = bodies.get(i);
      Peer downloader = api.register("credit-full-downloader-" + i, List.of());
      JsonObject lease = api.startTransfer(downloader, datasets.get(i)).bodyAsJsonObject();
      api.post(transferPath(lease) + "/progress", downloader.token(), new JsonObject().put("bytes", 1_000));
      JsonObject before = stats();

      MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + downloader.token());
      if (body != null) {
        headers.add("Content-Type", "application/json");
      }
      HttpResponse<Buffer> completed = api.sendRaw(HttpMethod.POST, transferPath(lease) + "/complete", headers, body);

      assertThat(completed.statusCode()).as(completed.bodyAsString()).isEqualTo(200);
      assertThat(stats().getLong("bytesTransferred") - before.getLong("bytesTransferred")).as("body " + body)
          .isEqualTo(SIZE - 1_000);
      assertThat(servedTotalInList(source.peerId())).as("body " + body).isEqualTo((i + 1) * SIZE);
      assertThat(transfer(lease).getLong("bytes")).isEqualTo(SIZE);
    }
  }

  @Test
  @DisplayName("a completion never takes back bytes its progress reports already counted")
  void progressAlreadyCountedStays() {
    String video = sha("credit-video");
    Peer source = api.register("credit-progress-source", List.of(file(video, "video.mkv", SIZE)));
    Peer downloader = api.register("credit-progress-downloader", List.of());
    JsonObject lease = api.startTransfer(downloader, video).bodyAsJsonObject();
    api.post(transferPath(lease) + "/progress", downloader.token(), new JsonObject().put("bytes", 2_000_000));
    JsonObject before = stats();

    assertThat(complete(lease, downloader, new JsonObject().put("bytes", 1_000_000)).statusCode()).isEqualTo(200);

    assertThat(stats().getLong("bytesTransferred")).isEqualTo(before.getLong("bytesTransferred"));
    assertThat(servedTotalInList(source.peerId())).isEqualTo(2_000_000);
    assertThat(transfer(lease).getLong("bytes")).isEqualTo(2_000_000);
  }

  private HttpResponse<Buffer> complete(JsonObject lease, Peer downloader, JsonObject body) {
    return api.post(transferPath(lease) + "/complete", downloader.token(), body);
  }

  private JsonObject stats() {
    return api.get("/api/v1/stats").bodyAsJsonObject();
  }

  /** The peer's {@code servedTotal} as the peer list shows it. */
  private long servedTotalInList(String peerId) {
    return api.get("/api/v1/peers?limit=1000").bodyAsJsonArray().stream().map(JsonObject.class::cast)
        .filter(peer -> peer.getString("peerId").equals(peerId)).findFirst().orElseThrow().getLong("servedTotal");
  }

  private JsonObject transfer(JsonObject lease) {
    return api.get("/api/v1/transfers?limit=1000").bodyAsJsonArray().stream().map(JsonObject.class::cast)
        .filter(t -> t.getString("transferId").equals(lease.getString("transferId"))).findFirst().orElseThrow();
  }

  private static String transferPath(JsonObject lease) {
    return "/api/v1/transfers/" + lease.getString("transferId");
  }
}
