package shoal.tracker.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static shoal.tracker.testing.TrackerApi.file;
import static shoal.tracker.testing.TrackerApi.sha;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import shoal.tracker.db.DatabaseTimeouts;
import shoal.tracker.db.DatabaseUrl;
import shoal.tracker.db.RegistryPool;
import shoal.tracker.testing.FullTableFigures;
import shoal.tracker.testing.TrackerApi;
import shoal.tracker.testing.TrackerApi.Peer;
import shoal.tracker.testing.TrackerExtension;

/**
 * The stats read running totals instead of counting every transfer; through every way a transfer
 * ends, concurrently and on two trackers sharing one database, they say what counting said.
 */
@ExtendWith(VertxExtension.class)
@Timeout(90)
@DisplayName("Network totals kept as running counters")
class StatsCountersTest {

  @RegisterExtension
  static final TrackerExtension trackers = TrackerExtension.withTwin();

  private TrackerApi api;
  private TrackerApi twinApi;
  private Pool pool;

  @BeforeEach
  void connect(Vertx vertx) {
    api = trackers.api(vertx);
    twinApi = trackers.twinApi(vertx);
    pool = RegistryPool.create(vertx, DatabaseUrl.parse(trackers.tracker().config().dbUrl()), DatabaseTimeouts.DEFAULTS);
  }

  @AfterEach
  void disconnect() {
    TrackerApi.await(pool.close());
  }

  @Test
  @DisplayName("completions, failures, partial progress, leaves and expiry, concurrent through two trackers, leave the stats and every servedTotal as counting all rows gives")
  void countersMatchTheFullTableFigures() {
    String dataset = sha("counters-dataset");
    String video = sha("counters-video");
    List<Peer> holders = new ArrayList<>();
    for (int h = 0; h < 4; h++) {
      holders.add(api.register("counters-holder-" + h, List.of(file(dataset, "dataset.bin", 7_001), file(video, "video.mkv", 123_457))));
    }
    List<Peer> downloaders = new ArrayList<>();
    for (int d = 0; d < 6; d++) {
      downloaders.add(api.register("counters-downloader-" + d, List.of()));
    }
    assertMatchesFullTables();

    List<HttpResponse<Buffer>> leases = startTransfers(downloaders, List.of(dataset, video), 48);
    // Partial progress on every transfer: these bytes count while active, and after a failure or an abandonment.
    List<Future<HttpResponse<Buffer>>> progress = new ArrayList<>();
    for (int i = 0; i < leases.size(); i++) {
      JsonObject lease = leases.get(i).bodyAsJsonObject();
      progress.add(via(i).sendAsync(HttpMethod.POST, transferPath(lease) + "/progress", downloaderOf(i, downloaders).token(),
          new JsonObject().put("bytes", lease.getLong("size") / (2 + i % 5))));
    }
    TrackerApi.await(Future.join(progress));
    assertMatchesFullTables();

    // Every way a transfer ends, at once and through both trackers: completed (with the whole
    // size or the bytes its source supplied), failed, completed twice, completed and failed together, more progress racing a failure, and abandoned when
    // its downloader leaves. Transfers with i % 8 == 7 stay active.
    Peer leaving = downloaders.get(5);
    List<Future<HttpResponse<Buffer>>> ends = new ArrayList<>();
    for (int i = 0; i < leases.size(); i++) {
      Peer downloader = downloaderOf(i, downloaders);
      if (downloader == leaving) {
        continue;
      }
      String transfer = transferPath(leases.get(i).bodyAsJsonObject());
      long size = leases.get(i).bodyAsJsonObject().getLong("size");
      switch (i % 8) {
        case 0 -> ends.add(via(i).sendAsync(HttpMethod.POST, transfer + "/complete", downloader.token(), null));
        // One source of several: credited with the bytes it supplied, not the whole file.
        case 1 -> ends.add(via(i).sendAsync(HttpMethod.POST, transfer + "/complete", downloader.token(),
            new JsonObject().put("bytes", size / 2)));
        case 2 -> ends.add(via(i + 1).sendAsync(HttpMethod.POST, transfer + "/fail", downloader.token(),
            new JsonObject().put("reason", "connection_lost")));
        case 3 -> {
          ends.add(api.sendAsync(HttpMethod.POST, transfer + "/complete", downloader.token(), null));
          ends.add(twinApi.sendAsync(HttpMethod.POST, transfer + "/complete", downloader.token(), null));
        }
        case 4 -> {
          ends.add(api.sendAsync(HttpMethod.POST, transfer + "/complete", downloader.token(), null));
          ends.add(twinApi.sendAsync(HttpMethod.POST, transfer + "/fail", downloader.token(),
              new JsonObject().put("reason", "cancelled")));
        }
        case 5 -> {
          ends.add(api.sendAsync(HttpMethod.POST, transfer + "/progress", downloader.token(), new JsonObject().put("bytes", size - 1)));
          ends.add(twinApi.sendAsync(HttpMethod.POST, transfer + "/fail", downloader.token(),
              new JsonObject().put("reason", "too_slow")));
        }
        case 6 -> ends.add(via(i).sendAsync(HttpMethod.POST, transfer + "/progress", downloader.token(),
            new JsonObject().put("bytes", size - 2)));
        default -> { }
      }
    }
    ends.add(twinApi.sendAsync(HttpMethod.DELETE, "/api/v1/peers/" + leaving.peerId(), leaving.token(), null));
    TrackerApi.await(Future.join(ends));
    assertThat(ends).allSatisfy(end -> assertThat(end.result().statusCode()).as(end.result().bodyAsString())
        .isIn(200, 204, 409));
    assertMatchesFullTables();

    // A source expires with uploads under way: they are abandoned with their partial bytes. Then
    // some of those downloaders complete anyway (the bytes had arrived) and the others fail.
    // Which holder each concurrent start chose depends on timing: the one that expires is the source
    // of a transfer still under way (i % 8 >= 6).
    Peer expiring = IntStream.range(0, leases.size())
        .filter(i -> i % 8 >= 6 && downloaderOf(i, downloaders) != leaving)
        .mapToObj(i -> leases.get(i).bodyAsJsonObject().getJsonObject("source").getString("peerId"))
        .flatMap(source -> holders.stream().filter(holder -> holder.peerId().equals(source)))
        .findFirst().orElseThrow();
    TrackerApi.await(pool.preparedQuery("UPDATE peers SET expires_at = now() WHERE peer_id = $1")
        .execute(Tuple.of(UUID.fromString(expiring.peerId()))));
    awaitRemoved(expiring);
    assertMatchesFullTables();
    List<Future<HttpResponse<Buffer>>> afterExpiry = new ArrayList<>();
    for (int i = 0; i < leases.size(); i++) {
      JsonObject lease = leases.get(i).bodyAsJsonObject();
      Peer downloader = downloaderOf(i, downloaders);
      if (downloader != leaving && i % 8 >= 6 && lease.getJsonObject("source").getString("peerId").equals(expiring.peerId())) {
        // The completions say fewer bytes than were counted when the transfer was abandoned.
        afterExpiry.add(via(i).sendAsync(HttpMethod.POST, transferPath(lease) + (i % 2 == 0 ? "/complete" : "/fail"),
            downloader.token(), i % 2 == 0 ? new JsonObject().put("bytes", 1) : new JsonObject().put("reason", "unreachable")));
      }
    }
    TrackerApi.await(Future.join(afterExpiry));
    assertThat(afterExpiry).as("transfers of the expired source ended").isNotEmpty()
        .allSatisfy(end -> assertThat(end.result().statusCode()).as(end.result().bodyAsString()).isEqualTo(200));
    // The balancer may have given every still-active transfer to the source that expired; starts
    // from the remaining holders make sure the last figures include active transfers with progress.
    List<HttpResponse<Buffer>> lateLeases = startTransfers(downloaders, List.of(dataset, video), 2);
    for (int i = 0; i < lateLeases.size(); i++) {
      assertThat(via(i).post(transferPath(lateLeases.get(i).bodyAsJsonObject()) + "/progress",
          downloaderOf(i, downloaders).token(), new JsonObject().put("bytes", 1_000)).statusCode()).isIn(200, 204);
    }

    JsonObject stats = assertMatchesFullTables();
    assertThat(stats.getLong("completedTransfers")).isPositive();
    assertThat(stats.getLong("activeTransfers")).isPositive();
  }

  /** The API's stats and servedTotals equal the full-table figures; returns the stats. */
  private JsonObject assertMatchesFullTables() {
    JsonObject stats = api.get("/api/v1/stats").bodyAsJsonObject();
    assertThat(stats).isEqualTo(FullTableFigures.stats(pool));
    assertThat(twinApi.get("/api/v1/stats").bodyAsJsonObject()).isEqualTo(stats);
    Map<String, Long> servedTotals = api.get("/api/v1/peers?limit=1000").bodyAsJsonArray().stream().map(JsonObject.class::cast)
        .collect(Collectors.toMap(p -> p.getString("peerId"), p -> p.getLong("servedTotal")));
    assertThat(servedTotals).isEqualTo(FullTableFigures.served(pool));
    return stats;
  }

  private List<HttpResponse<Buffer>> startTransfers(List<Peer> downloaders, List<String> files, int count) {
    List<Future<HttpResponse<Buffer>>> starts = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      starts.add(via(i).sendAsync(HttpMethod.POST, "/api/v1/transfers", downloaderOf(i, downloaders).token(),
          new JsonObject().put("sha256", files.get(i % files.size()))));
    }
    TrackerApi.await(Future.all(starts));
    assertThat(starts).allSatisfy(start -> assertThat(start.result().statusCode()).as(start.result().bodyAsString()).isEqualTo(201));
    return starts.stream().map(Future::result).toList();
  }

  private void awaitRemoved(Peer peer) {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (TrackerApi.await(pool.preparedQuery("SELECT 1 FROM peers WHERE peer_id = $1")
        .execute(Tuple.of(UUID.fromString(peer.peerId())))).size() > 0) {
      assertThat(System.nanoTime()).as("the expired peer is swept within 10 s").isLessThan(deadline);
      sleep(50);
    }
  }

  private TrackerApi via(int i) {
    return i % 2 == 0 ? api : twinApi;
  }

  private static Peer downloaderOf(int i, List<Peer> downloaders) {
    return downloaders.get(i % downloaders.size());
  }

  private static String transferPath(JsonObject lease) {
    return "/api/v1/transfers/" + lease.getString("transferId");
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
