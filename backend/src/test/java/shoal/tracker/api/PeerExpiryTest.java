package shoal.tracker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static shoal.tracker.testing.TrackerApi.file;
import static shoal.tracker.testing.TrackerApi.sha;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
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

/** Liveness: a peer that stops heartbeating is removed after its TTL; one that heartbeats stays. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
@DisplayName("Peers that stop heartbeating expire")
class PeerExpiryTest {

  private static final Duration TTL = Duration.ofSeconds(3);

  @RegisterExtension
  static final TrackerExtension tracker = new TrackerExtension(Duration.ofMillis(500), TTL);

  private TrackerApi api;

  @BeforeEach
  void connect(Vertx vertx) {
    api = tracker.api(vertx);
  }

  @Test
  @DisplayName("a silent peer is gone with its files after the TTL; a heartbeating one stays; expired means register again")
  void silentPeerExpiresHeartbeatingPeerStays(Vertx vertx) throws InterruptedException {
    Peer silent = api.register("silent", List.of(file(sha("silent-file"), "silent.txt", 3)));
    Peer alive = api.register("alive", List.of(file(sha("alive-file"), "alive.txt", 4)));
    Peer downloader = api.register("expiry-downloader", List.of());
    String orphaned = api.startTransfer(downloader, sha("alive-file")).bodyAsJsonObject().getString("transferId");
    assertThat(api.get("/api/v1/peers/" + alive.peerId()).bodyAsJsonObject().getLong("activeUploads")).isEqualTo(1);

    long deadline = System.nanoTime() + TTL.multipliedBy(2).toNanos();
    while (System.nanoTime() < deadline) {
      assertThat(api.post("/api/v1/peers/" + alive.peerId() + "/heartbeat", alive.token(), null).statusCode()).isEqualTo(200);
      Thread.sleep(300);
    }

    List<String> live = api.get("/api/v1/peers").bodyAsJsonArray().stream().map(p -> ((JsonObject) p).getString("name")).toList();
    assertThat(live).contains("alive").doesNotContain("silent", "expiry-downloader");
    assertThat(api.get("/api/v1/files/" + sha("silent-file")).bodyAsJsonObject().getString("error")).isEqualTo("not_available");
    // The expired downloader's transfer no longer loads the source.
    assertThat(api.get("/api/v1/peers/" + alive.peerId()).bodyAsJsonObject().getLong("activeUploads")).isZero();
    assertThat(api.get("/api/v1/transfers?state=abandoned").bodyAsJsonArray().stream()
        .map(t -> ((JsonObject) t).getString("transferId"))).contains(orphaned);
    var heartbeat = api.post("/api/v1/peers/" + silent.peerId() + "/heartbeat", silent.token(), null);
    assertThat(heartbeat.statusCode()).isEqualTo(404);
    assertThat(heartbeat.bodyAsJsonObject().getString("error")).isEqualTo("unknown_peer");
  }
}
