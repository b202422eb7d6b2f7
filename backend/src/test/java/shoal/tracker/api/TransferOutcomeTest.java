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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import shoal.tracker.testing.TrackerExtension;
import shoal.tracker.testing.TrackerApi;
import shoal.tracker.testing.TrackerApi.Peer;

/** Seed scenario 3: connecting to a node with the file — the transfer's life from start to outcome. */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("Connecting to a node with the file")
class TransferOutcomeTest {

  @RegisterExtension
  static final TrackerExtension tracker = new TrackerExtension();

  private TrackerApi api;

  @BeforeEach
  void connect(Vertx vertx) {
    api = tracker.api(vertx);
  }

  @Test
  @DisplayName("the downloader is told the holder's address; completing makes it a holder and frees the source")
  void completingMakesTheDownloaderAHolder() {
    String dataset = sha("dataset");
    Peer source = api.register("source", List.of(file(dataset, "dataset.csv", 5_000)));
    Peer downloader = api.register("downloader", List.of());

    JsonObject lease = api.startTransfer(downloader, dataset).bodyAsJsonObject();
    assertThat(lease.getString("name")).isEqualTo("dataset.csv");
    assertThat(lease.getLong("size")).isEqualTo(5_000);
    assertThat(lease.getJsonObject("source").getString("peerId")).isEqualTo(source.peerId());
    assertThat(lease.getJsonObject("source").getString("address")).isEqualTo("http://127.0.0.1:7001/source");
    String transferId = lease.getString("transferId");

    assertThat(api.post("/api/v1/transfers/" + transferId + "/progress", downloader.token(), new JsonObject().put("bytes", 2_500)).statusCode())
        .isEqualTo(200);
    JsonObject active = activeTransfer(transferId);
    assertThat(active.getLong("bytes")).isEqualTo(2_500);
    assertThat(active.getString("from")).isEqualTo(source.peerId());
    assertThat(active.getString("to")).isEqualTo(downloader.peerId());
    assertThat(activeUploadsOf(source)).isEqualTo(1);

    assertThat(api.post("/api/v1/transfers/" + transferId + "/complete", downloader.token(), null).statusCode()).isEqualTo(200);

    assertThat(holdersOf(dataset)).containsExactlyInAnyOrder(source.peerId(), downloader.peerId());
    assertThat(activeUploadsOf(source)).isZero();
    assertThat(activeTransfer(transferId)).isNull();
    JsonObject stats = api.get("/api/v1/stats").bodyAsJsonObject();
    assertThat(stats.getLong("completedTransfers")).isEqualTo(1);
    // The 2 500 bytes of progress are part of the 5 000 the completion counts, not added to them.
    assertThat(stats.getLong("bytesTransferred")).isEqualTo(5_000);
    JsonObject sourceNow = api.get("/api/v1/peers/" + source.peerId()).bodyAsJsonObject();
    assertThat(sourceNow.getLong("servedTotal")).isEqualTo(5_000);
  }

  @Test
  @DisplayName("failing a transfer leaves no load and does not make the downloader a holder")
  void failingLeavesNoHolderAndNoLoad() {
    String archive = sha("archive");
    Peer source = api.register("fail-source", List.of(file(archive, "archive.tar", 9_000)));
    Peer downloader = api.register("fail-downloader", List.of());
    String transferId = api.startTransfer(downloader, archive).bodyAsJsonObject().getString("transferId");

    HttpResponse<Buffer> failed = api.post("/api/v1/transfers/" + transferId + "/fail", downloader.token(),
        new JsonObject().put("reason", "connection_lost"));

    assertThat(failed.statusCode()).isEqualTo(200);
    assertThat(holdersOf(archive)).containsExactly(source.peerId());
    assertThat(activeUploadsOf(source)).isZero();
    JsonObject record = api.get("/api/v1/transfers?state=failed").bodyAsJsonArray().getJsonObject(0);
    assertThat(record.getString("transferId")).isEqualTo(transferId);
    assertThat(record.getString("reason")).isEqualTo("connection_lost");
    assertThat(record.getString("reasonText")).isEqualTo("The connection to the source broke off.");
    // A finished transfer cannot be completed afterwards.
    HttpResponse<Buffer> late = api.post("/api/v1/transfers/" + transferId + "/complete", downloader.token(), null);
    assertThat(late.statusCode()).isEqualTo(409);
    assertThat(late.bodyAsJsonObject().getString("error")).isEqualTo("transfer_finished");
  }

  @Test
  @DisplayName("only the downloader may report on its transfer: 401 without a token, 403 with another's")
  void onlyTheDownloaderReports() {
    String image = sha("image");
    Peer source = api.register("auth-source", List.of(file(image, "image.png", 100)));
    Peer downloader = api.register("auth-downloader", List.of());
    String transferId = api.startTransfer(downloader, image).bodyAsJsonObject().getString("transferId");

    HttpResponse<Buffer> anonymous = api.post("/api/v1/transfers/" + transferId + "/complete", null, null);
    HttpResponse<Buffer> impostor = api.post("/api/v1/transfers/" + transferId + "/complete", source.token(), null);
    HttpResponse<Buffer> tooMany = api.post("/api/v1/transfers/" + transferId + "/progress", downloader.token(), new JsonObject().put("bytes", 101));
    HttpResponse<Buffer> noPeerToken = api.post("/api/v1/transfers", null, new JsonObject().put("sha256", image));

    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.bodyAsJsonObject().getString("error")).isEqualTo("unauthorized");
    assertThat(impostor.statusCode()).isEqualTo(403);
    assertThat(impostor.bodyAsJsonObject().getString("error")).isEqualTo("forbidden");
    assertThat(tooMany.statusCode()).isEqualTo(400);
    assertThat(noPeerToken.statusCode()).isEqualTo(401);
    assertThat(activeTransfer(transferId).getString("state")).isEqualTo("active");
  }

  private JsonObject activeTransfer(String transferId) {
    return api.get("/api/v1/transfers?state=active").bodyAsJsonArray().stream().map(JsonObject.class::cast)
        .filter(t -> t.getString("transferId").equals(transferId)).findFirst().orElse(null);
  }

  private long activeUploadsOf(Peer peer) {
    return api.get("/api/v1/peers/" + peer.peerId()).bodyAsJsonObject().getLong("activeUploads");
  }

  private List<String> holdersOf(String sha256) {
    JsonArray holders = api.get("/api/v1/files/" + sha256).bodyAsJsonObject().getJsonArray("holders");
    return holders.stream().map(h -> ((JsonObject) h).getString("peerId")).toList();
  }
}
