package shoal.tracker.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static shoal.tracker.testing.TrackerApi.file;
import static shoal.tracker.testing.TrackerApi.sha;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import shoal.tracker.Tracker;
import shoal.tracker.db.DatabaseTimeouts;
import shoal.tracker.db.DatabaseUrl;
import shoal.tracker.db.RegistryPool;
import shoal.tracker.testing.TestTrackers;
import shoal.tracker.testing.TrackerApi;
import shoal.tracker.testing.TrackerApi.Peer;

/** Finished transfers are kept for the retention period, then pruned; no total a user sees moves. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
@DisplayName("Pruning finished transfers after their retention")
class TransferRetentionTest {

  private static final Duration RETENTION = Duration.ofSeconds(1);

  private static Tracker tracker;

  @BeforeAll
  static void startTracker() {
    tracker = TestTrackers.start(config -> config.withTransferRetention(RETENTION));
  }

  @AfterAll
  static void stopTracker() {
    tracker.close();
  }

  @Test
  @DisplayName("with a 1 s retention, finished transfers are gone within 3 s while the stats and every servedTotal stay exactly as they were; an active transfer is kept and still completes")
  void finishedTransfersArePrunedAndTotalsStay(Vertx vertx) {
    TrackerApi api = new TrackerApi(vertx, tracker.url());
    String report = sha("retention-report");
    Peer source = api.register("retention-source", List.of(file(report, "report.pdf", 40_000)));
    Peer other = api.register("retention-other", List.of(file(report, "report.pdf", 40_000)));
    List<Peer> downloaders = new ArrayList<>();
    for (int d = 0; d < 5; d++) {
      downloaders.add(api.register("retention-downloader-" + d, List.of()));
    }
    List<String> transfers = new ArrayList<>();
    for (Peer downloader : downloaders) {
      // Excluding the others keeps the two sources the only candidates once downloaders hold the file.
      transfers.add(api.post("/api/v1/transfers", downloader.token(), new JsonObject().put("sha256", report)
          .put("exclude", downloaders.stream().filter(d -> d != downloader).map(Peer::peerId).toList()))
          .bodyAsJsonObject().getString("transferId"));
    }
    for (int i = 0; i < transfers.size(); i++) {
      api.post("/api/v1/transfers/" + transfers.get(i) + "/progress", downloaders.get(i).token(), new JsonObject().put("bytes", 1_000 * (i + 1)));
    }
    complete(api, downloaders.get(0), transfers.get(0));
    complete(api, downloaders.get(1), transfers.get(1));
    assertThat(api.post("/api/v1/transfers/" + transfers.get(2) + "/fail", downloaders.get(2).token(),
        new JsonObject().put("reason", "connection_lost")).statusCode()).isEqualTo(200);
    assertThat(api.delete("/api/v1/peers/" + downloaders.get(3).peerId(), downloaders.get(3).token()).statusCode()).isEqualTo(204);
    String stillActive = transfers.get(4);
    JsonObject statsBefore = api.get("/api/v1/stats").bodyAsJsonObject();
    Map<String, Long> servedBefore = servedTotals(api);
    assertThat(statsBefore.getLong("completedTransfers")).isEqualTo(2);
    assertThat(servedBefore.get(source.peerId()) + servedBefore.get(other.peerId())).isEqualTo(80_000);

    long started = System.nanoTime();
    while (listed(api).size() > 1) {
      assertThat(Duration.ofNanos(System.nanoTime() - started)).as("pruned within 3 s").isLessThan(Duration.ofSeconds(3));
      StatsCountersTest.sleep(50);
    }
    assertThat(listed(api)).singleElement().satisfies(t -> {
      assertThat(t.getString("transferId")).isEqualTo(stillActive);
      assertThat(t.getString("state")).isEqualTo("active");
    });
    Pool pool = RegistryPool.create(vertx, DatabaseUrl.parse(tracker.config().dbUrl()), DatabaseTimeouts.DEFAULTS);
    try {
      assertThat(TrackerApi.await(pool.query("SELECT transfer_id FROM transfers").execute()).stream()
          .map(row -> row.getUUID(0).toString()).toList()).as("rows left").containsExactly(stillActive);
    } finally {
      TrackerApi.await(pool.close());
    }
    assertThat(api.get("/api/v1/stats").bodyAsJsonObject()).isEqualTo(statsBefore);
    assertThat(servedTotals(api)).isEqualTo(servedBefore);

    // Well past the retention, the active transfer is still there, and completing it counts.
    StatsCountersTest.sleep(RETENTION.toMillis() + 500);
    assertThat(listed(api)).extracting(t -> t.getString("transferId")).containsExactly(stillActive);
    complete(api, downloaders.get(4), stillActive);
    JsonObject statsAfter = api.get("/api/v1/stats").bodyAsJsonObject();
    assertThat(statsAfter.getLong("completedTransfers")).isEqualTo(3);
    assertThat(statsAfter.getLong("activeTransfers")).isZero();
    assertThat(statsAfter.getLong("bytesTransferred")).isEqualTo(statsBefore.getLong("bytesTransferred") - 5_000 + 40_000);
  }

  @Test
  @DisplayName("trackers pruning one database at once skip the rows another is busy with instead of waiting for them")
  void concurrentPrunersSkipLockedRows(Vertx vertx) {
    Tracker keeping = TestTrackers.start();
    Pool pool = RegistryPool.create(vertx, DatabaseUrl.parse(keeping.config().dbUrl()), DatabaseTimeouts.DEFAULTS);
    try {
      TrackerApi api = new TrackerApi(vertx, keeping.url());
      String song = sha("retention-song");
      api.register("skip-source", List.of(file(song, "song.mp3", 3_000)));
      Peer downloader = api.register("skip-downloader", List.of());
      List<String> finished = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        String transferId = api.startTransfer(downloader, song).bodyAsJsonObject().getString("transferId");
        complete(api, downloader, transferId);
        finished.add(transferId);
      }
      JsonObject statsBefore = api.get("/api/v1/stats").bodyAsJsonObject();

      // Another tracker's pruning (or a late report) holds the first transfer.
      SqlConnection other = TrackerApi.await(pool.getConnection());
      try {
        Transaction open = TrackerApi.await(other.begin());
        TrackerApi.await(other.preparedQuery("SELECT 1 FROM transfers WHERE transfer_id = $1 FOR UPDATE")
            .execute(Tuple.of(UUID.fromString(finished.get(0)))));

        long started = System.nanoTime();
        assertThat(TrackerApi.await(TransferPruner.prune(pool, 0))).as("pruned beside the held row").isEqualTo(3);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
        assertThat(listed(api)).extracting(t -> t.getString("transferId")).containsExactly(finished.get(0));
        TrackerApi.await(open.rollback());
      } finally {
        TrackerApi.await(other.close());
      }
      assertThat(TrackerApi.await(TransferPruner.prune(pool, 0))).isEqualTo(1);
      assertThat(listed(api)).isEmpty();
      assertThat(api.get("/api/v1/stats").bodyAsJsonObject()).isEqualTo(statsBefore);
    } finally {
      TrackerApi.await(pool.close());
      keeping.close();
    }
  }

  private static void complete(TrackerApi api, Peer downloader, String transferId) {
    assertThat(api.post("/api/v1/transfers/" + transferId + "/complete", downloader.token(), null).statusCode()).isEqualTo(200);
  }

  /** Every transfer the tracker still lists, whatever its state. */
  private static List<JsonObject> listed(TrackerApi api) {
    JsonArray all = api.get("/api/v1/transfers?limit=1000").bodyAsJsonArray();
    return all.stream().map(JsonObject.class::cast).toList();
  }

  private static Map<String, Long> servedTotals(TrackerApi api) {
    return api.get("/api/v1/peers").bodyAsJsonArray().stream().map(JsonObject.class::cast)
        .collect(Collectors.toMap(p -> p.getString("peerId"), p -> p.getLong("servedTotal")));
  }
}
