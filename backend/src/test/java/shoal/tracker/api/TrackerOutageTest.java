package shoal.tracker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static shoal.tracker.testing.TrackerApi.file;
import static shoal.tracker.testing.TrackerApi.sha;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import shoal.tracker.Tracker;
import shoal.tracker.testing.TestPostgres;
import shoal.tracker.testing.TestTrackers;
import shoal.tracker.testing.TrackerApi;
import shoal.tracker.testing.TrackerApi.Peer;

/**
 * Peers cannot heartbeat while no tracker runs: an outage longer than the TTL must not expire the
 * whole network on recovery, yet a peer that stays silent afterwards still expires.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
@DisplayName("Peers across the tracker's own outage")
class TrackerOutageTest {

  private static final Duration HEARTBEAT = Duration.ofMillis(200);
  private static final Duration TTL = Duration.ofSeconds(1);
  private static final Duration OUTAGE = TTL.multipliedBy(2);

  @Test
  @DisplayName("after the only tracker was down longer than the TTL, its peers are still listed and may heartbeat; silent ones expire a TTL later")
  void peersSurviveAnOutageLongerThanTheirTtl(Vertx vertx) throws InterruptedException {
    String database = TestPostgres.newDatabase();
    Peer quiet, chatty;
    try (Tracker before = TestTrackers.startOn(database, HEARTBEAT, TTL)) {
      TrackerApi api = new TrackerApi(vertx, before.url());
      quiet = api.register("quiet", List.of(file(sha("quiet-file"), "quiet.txt", 1)));
      chatty = api.register("chatty", List.of());
    }
    Thread.sleep(OUTAGE.toMillis());

    try (Tracker after = TestTrackers.startOn(database, HEARTBEAT, TTL)) {
      TrackerApi api = new TrackerApi(vertx, after.url());
      assertThat(names(api)).containsExactlyInAnyOrder("quiet", "chatty");
      assertThat(api.get("/api/v1/files/" + sha("quiet-file")).statusCode()).isEqualTo(200);

      long deadline = System.nanoTime() + TTL.multipliedBy(2).toNanos();
      while (System.nanoTime() < deadline) {
        assertThat(api.post("/api/v1/peers/" + chatty.peerId() + "/heartbeat", chatty.token(), null).statusCode()).isEqualTo(200);
        Thread.sleep(HEARTBEAT.toMillis());
      }
      assertThat(names(api)).containsExactly("chatty");
      assertThat(api.post("/api/v1/peers/" + quiet.peerId() + "/heartbeat", quiet.token(), null).statusCode()).isEqualTo(404);
    }
  }

  @Test
  @DisplayName("while another tracker on the same database is alive, one tracker's downtime is no outage: silent peers expire on time")
  void aTwinsDowntimeGrantsNothing(Vertx vertx) throws InterruptedException {
    String database = TestPostgres.newDatabase();
    try (Tracker twin = TestTrackers.startOn(database, HEARTBEAT, TTL)) {
      TrackerApi twinApi = new TrackerApi(vertx, twin.url());
      try (Tracker stopping = TestTrackers.startOn(database, HEARTBEAT, TTL)) {
        new TrackerApi(vertx, stopping.url()).register("silent", List.of());
      }
      Thread.sleep(OUTAGE.toMillis());

      try (Tracker restarted = TestTrackers.startOn(database, HEARTBEAT, TTL)) {
        assertThat(names(new TrackerApi(vertx, restarted.url()))).isEmpty();
        assertThat(names(twinApi)).isEmpty();
      }
    }
  }

  private static List<String> names(TrackerApi api) {
    return api.get("/api/v1/peers").bodyAsJsonArray().stream().map(p -> ((JsonObject) p).getString("name")).toList();
  }
}
