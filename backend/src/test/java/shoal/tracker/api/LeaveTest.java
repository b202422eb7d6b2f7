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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import shoal.tracker.testing.TrackerExtension;
import shoal.tracker.testing.TrackerApi;
import shoal.tracker.testing.TrackerApi.Peer;

/** Seed scenario 5: leave the tracker, and the tracker deletes the peer's information. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
@DisplayName("Leaving the tracker deletes the peer's information")
class LeaveTest {

  @RegisterExtension
  static final TrackerExtension tracker = new TrackerExtension();

  private TrackerApi api;

  @BeforeEach
  void connect(Vertx vertx) {
    api = tracker.api(vertx);
  }

  @Test
  @DisplayName("leave deletes the peer and its holdings; a file only it held becomes not_available")
  void leaveDeletesPeerAndHoldings() {
    String common = sha("leave-common"), unique = sha("leave-unique");
    Peer leaver = api.register("leaver", List.of(file(common, "common.txt", 10), file(unique, "unique.txt", 20)));
    Peer stayer = api.register("stayer", List.of(file(common, "common.txt", 10)));
    Peer downloader = api.register("leave-downloader", List.of());
    String transferId = api.startTransfer(downloader, unique).bodyAsJsonObject().getString("transferId");

    HttpResponse<Buffer> left = api.delete("/api/v1/peers/" + leaver.peerId(), leaver.token());

    assertThat(left.statusCode()).isEqualTo(204);
    assertThat(api.get("/api/v1/peers/" + leaver.peerId()).bodyAsJsonObject().getString("error")).isEqualTo("unknown_peer");
    assertThat(api.get("/api/v1/peers").bodyAsJsonArray().stream().map(p -> ((JsonObject) p).getString("peerId")))
        .doesNotContain(leaver.peerId()).contains(stayer.peerId());
    HttpResponse<Buffer> uniqueLookup = api.get("/api/v1/files/" + unique);
    assertThat(uniqueLookup.statusCode()).isEqualTo(404);
    assertThat(uniqueLookup.bodyAsJsonObject().getString("error")).isEqualTo("not_available");
    assertThat(api.get("/api/v1/files/" + common).bodyAsJsonObject().getJsonArray("holders")).hasSize(1);
    assertThat(api.startTransfer(downloader, unique).bodyAsJsonObject().getString("error")).isEqualTo("not_available");
    // Its unfinished upload no longer counts as active.
    assertThat(api.get("/api/v1/transfers?state=active").bodyAsJsonArray().stream()
        .map(t -> ((JsonObject) t).getString("transferId"))).doesNotContain(transferId);
    // Leaving twice: the peer is unknown now.
    assertThat(api.delete("/api/v1/peers/" + leaver.peerId(), leaver.token()).statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("another peer's token gets 403, no token 401, and nothing is deleted")
  void onlyThePeerItselfMayLeave() {
    Peer owner = api.register("owner", List.of(file(sha("owned"), "owned.txt", 1)));
    Peer intruder = api.register("intruder", List.of());

    HttpResponse<Buffer> withOtherToken = api.delete("/api/v1/peers/" + owner.peerId(), intruder.token());
    HttpResponse<Buffer> withoutToken = api.delete("/api/v1/peers/" + owner.peerId(), null);
    HttpResponse<Buffer> replaceWithOtherToken = api.put("/api/v1/peers/" + owner.peerId() + "/files", intruder.token(),
        new JsonObject().put("files", List.of()));

    assertThat(withOtherToken.statusCode()).isEqualTo(403);
    assertThat(withOtherToken.bodyAsJsonObject().getString("error")).isEqualTo("forbidden");
    assertThat(withoutToken.statusCode()).isEqualTo(401);
    assertThat(withoutToken.bodyAsJsonObject().getString("error")).isEqualTo("unauthorized");
    assertThat(replaceWithOtherToken.statusCode()).isEqualTo(403);
    assertThat(api.get("/api/v1/peers/" + owner.peerId()).bodyAsJsonObject().getJsonArray("files")).hasSize(1);
    assertThat(api.get("/api/v1/files/" + sha("owned")).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("a source and its downloaders leaving all at once, mid-transfer, all leave cleanly")
  void simultaneousLeavesWithSharedTransfers() {
    for (int round = 0; round < 3; round++) {
      List<JsonObject> files = new java.util.ArrayList<>();
      for (int f = 0; f < 4; f++) {
        files.add(file(sha("crowd-" + round + "-" + f), "crowd-" + f, 10));
      }
      Peer source = api.register("crowd-source-" + round, files);
      List<Peer> everyone = new java.util.ArrayList<>(List.of(source));
      for (int d = 0; d < 6; d++) {
        Peer downloader = api.register("crowd-" + round + "-" + d, List.of());
        everyone.add(downloader);
        for (JsonObject wanted : files) {
          assertThat(api.startTransfer(downloader, wanted.getString("sha256")).statusCode()).isEqualTo(201);
        }
      }

      List<io.vertx.core.Future<HttpResponse<Buffer>>> leaving = everyone.stream()
          .map(peer -> api.sendAsync(io.vertx.core.http.HttpMethod.DELETE, "/api/v1/peers/" + peer.peerId(), peer.token(), null))
          .toList();
      shoal.tracker.testing.TrackerApi.await(io.vertx.core.Future.join(leaving));

      assertThat(leaving).allSatisfy(left -> assertThat(left.result().statusCode()).as(left.result().bodyAsString()).isEqualTo(204));
    }
    assertThat(api.get("/api/v1/stats").bodyAsJsonObject().getLong("activeTransfers")).isZero();
  }

  @Test
  @DisplayName("an unknown peer id is 404 unknown_peer before any token check")
  void unknownPeerComesBeforeTokenCheck() {
    HttpResponse<Buffer> unknown = api.delete("/api/v1/peers/00000000-0000-0000-0000-000000000000", null);
    HttpResponse<Buffer> garbage = api.post("/api/v1/peers/not-a-uuid/heartbeat", null, null);

    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.bodyAsJsonObject().getString("error")).isEqualTo("unknown_peer");
    assertThat(garbage.statusCode()).isEqualTo(404);
    assertThat(garbage.bodyAsJsonObject().getString("error")).isEqualTo("unknown_peer");
  }
}
