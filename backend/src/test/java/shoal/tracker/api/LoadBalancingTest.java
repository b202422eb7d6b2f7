package shoal.tracker.api;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import shoal.tracker.testing.TrackerExtension;
import shoal.tracker.testing.TrackerApi;
import shoal.tracker.testing.TrackerApi.Peer;

/** Seed scenario 4: more than one peer has the requested file — the load-balancing algorithm. */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("More than one peer has the requested file")
class LoadBalancingTest {

  /** Two tracker processes on one database, as when scaling out. */
  @RegisterExtension
  static final TrackerExtension trackers = TrackerExtension.withTwin();

  private TrackerApi api;
  private TrackerApi twinApi;

  @BeforeEach
  void connect(Vertx vertx) {
    api = trackers.api(vertx);
    twinApi = trackers.twinApi(vertx);
  }

  @Test
  @DisplayName("30 concurrent requests to 3 holders, through two trackers sharing one database, end at 10/10/10; then the least loaded is chosen")
  void concurrentRequestsSpreadEvenlyThenFollowTheLoad() {
    String movie = sha("movie");
    List<Peer> holders = List.of(
        api.register("holder-a", List.of(file(movie, "movie.mkv", 4_000_000))),
        api.register("holder-b", List.of(file(movie, "movie.mkv", 4_000_000))),
        api.register("holder-c", List.of(file(movie, "movie.mkv", 4_000_000))));
    List<Peer> downloaders = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      downloaders.add(api.register("downloader-" + i, List.of()));
    }

    List<Future<HttpResponse<Buffer>>> requests = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      TrackerApi via = i % 2 == 0 ? api : twinApi;
      requests.add(via.sendAsync(HttpMethod.POST, "/api/v1/transfers", downloaders.get(i % 5).token(),
          new JsonObject().put("sha256", movie)));
    }
    TrackerApi.await(Future.all(requests));

    List<JsonObject> leases = requests.stream().map(f -> f.result().bodyAsJsonObject()).toList();
    assertThat(requests).allSatisfy(f -> assertThat(f.result().statusCode()).isEqualTo(201));
    Map<String, Long> chosen = leases.stream()
        .collect(Collectors.groupingBy(lease -> lease.getJsonObject("source").getString("peerId"), Collectors.counting()));
    assertThat(chosen).containsOnlyKeys(holders.stream().map(Peer::peerId).toList());
    assertThat(chosen.values()).containsOnly(10L);
    assertThat(activeUploads()).containsEntry("holder-a", 10L).containsEntry("holder-b", 10L).containsEntry("holder-c", 10L);

    // Finish 3 of a's uploads and 1 of b's: a now has the fewest (7), then b (9), then c (10).
    completeUploadsOf(holders.get(0), leases, downloaders, 3);
    completeUploadsOf(holders.get(1), leases, downloaders, 1);
    // The downloaders that completed are holders now (with no load); leave them out.
    assertThat(sourceOfNewTransfer(downloaders.get(0), movie, downloaders)).isEqualTo(holders.get(0).peerId());
    assertThat(activeUploads()).containsEntry("holder-a", 8L).containsEntry("holder-b", 9L);
  }

  @Test
  @DisplayName("among equally loaded holders, the one chosen fewest times wins, then the one chosen longest ago")
  void tiesGoToTheLeastChosenThenTheLongestAgo() {
    String album = sha("album");
    Peer x = api.register("tie-x", List.of(file(album, "album.flac", 300_000)));
    Peer y = api.register("tie-y", List.of(file(album, "album.flac", 300_000)));
    Peer downloader = api.register("tie-downloader", List.of());

    // Each transfer fails at once, so every holder is idle when the next request comes and the
    // downloader never becomes a holder. `exclude` steers the first choices: x twice, then y once.
    assertThat(chosenAndReleased(downloader, album, List.of(y))).isEqualTo(x.peerId());
    assertThat(chosenAndReleased(downloader, album, List.of(y))).isEqualTo(x.peerId());
    assertThat(chosenAndReleased(downloader, album, List.of(x))).isEqualTo(y.peerId());

    // x was chosen more often (2 against 1) but longer ago: the fewest-chosen rule picks y, where
    // "longest ago" or round-robin would pick x.
    assertThat(chosenAndReleased(downloader, album, List.of())).as("fewest chosen").isEqualTo(y.peerId());
    // Both have been chosen twice now; x longer ago.
    assertThat(chosenAndReleased(downloader, album, List.of())).as("chosen longest ago").isEqualTo(x.peerId());
    assertThat(chosenAndReleased(downloader, album, List.of())).as("fewest chosen").isEqualTo(y.peerId());
  }

  @Test
  @DisplayName("a busy mesh of peers downloading from and completing to each other never fails a request")
  void busyMeshNeverDeadlocks() {
    int files = 6;
    List<Peer> mesh = new ArrayList<>();
    for (int p = 0; p < 8; p++) {
      List<JsonObject> held = new ArrayList<>();
      for (int f = 0; f < files; f++) {
        if ((p + f) % 3 != 0) {
          held.add(file(sha("mesh-" + f), "mesh-" + f, 1_000 + f));
        }
      }
      mesh.add(api.register("mesh-" + p, held));
    }

    List<Future<HttpResponse<Buffer>>> outcomes = new ArrayList<>();
    for (int round = 0; round < 4; round++) {
      List<Future<HttpResponse<Buffer>>> starts = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        Peer downloader = mesh.get((i * 5 + round) % mesh.size());
        TrackerApi via = i % 2 == 0 ? api : twinApi;
        starts.add(via.sendAsync(HttpMethod.POST, "/api/v1/transfers", downloader.token(),
            new JsonObject().put("sha256", sha("mesh-" + (i + round) % files))));
      }
      TrackerApi.await(Future.join(starts));
      outcomes.addAll(starts);
      // Complete every transfer of this round at once, while the next round starts new ones.
      for (int i = 0; i < starts.size(); i++) {
        HttpResponse<Buffer> lease = starts.get(i).result();
        if (lease != null && lease.statusCode() == 201) {
          Peer downloader = mesh.get((i * 5 + round) % mesh.size());
          outcomes.add(api.sendAsync(HttpMethod.POST, "/api/v1/transfers/" + lease.bodyAsJsonObject().getString("transferId")
              + "/complete", downloader.token(), null));
        }
      }
    }
    TrackerApi.await(Future.join(outcomes));

    // Every file has holders besides any downloader, so each start is 201, and each completion,
    // made once, 200.
    assertThat(outcomes).allSatisfy(outcome -> {
      assertThat(outcome.succeeded()).isTrue();
      assertThat(outcome.result().statusCode()).as(outcome.result().bodyAsString()).isIn(200, 201);
    });
    assertThat(outcomes).filteredOn(outcome -> outcome.result().statusCode() == 201).hasSize(4 * 40);
  }

  @Test
  @DisplayName("a holder's active uploads stay equal to its unfinished transfers, however and however often they end")
  void loadMatchesUnfinishedTransfersWhateverEndsThem() {
    String dataset = sha("dataset");
    List<Peer> holders = new ArrayList<>();
    for (int h = 0; h < 4; h++) {
      holders.add(api.register("load-holder-" + h, List.of(file(dataset, "dataset.bin", 9_000))));
    }
    List<Peer> downloaders = new ArrayList<>();
    for (int d = 0; d < 6; d++) {
      downloaders.add(api.register("load-downloader-" + d, List.of()));
    }
    List<Future<HttpResponse<Buffer>>> starts = new ArrayList<>();
    for (int i = 0; i < 36; i++) {
      starts.add((i % 2 == 0 ? api : twinApi).sendAsync(HttpMethod.POST, "/api/v1/transfers",
          downloaders.get(i % downloaders.size()).token(), new JsonObject().put("sha256", dataset)));
    }
    TrackerApi.await(Future.join(starts));

    // Every way a transfer ends, at once and through both trackers: completed, failed, completed
    // twice, completed and failed together, and abandoned when its downloader leaves (half of that
    // downloader's transfers are failing meanwhile). Transfers with i % 6 == 5 stay active.
    List<List<Future<HttpResponse<Buffer>>>> endsByWay = new ArrayList<>();
    for (int way = 0; way < 6; way++) {
      endsByWay.add(new ArrayList<>());
    }
    for (int i = 0; i < starts.size(); i++) {
      assertThat(starts.get(i).result().statusCode()).isEqualTo(201);
      Peer downloader = downloaders.get(i % downloaders.size());
      String transfer = "/api/v1/transfers/" + starts.get(i).result().bodyAsJsonObject().getString("transferId");
      List<Future<HttpResponse<Buffer>>> ends = endsByWay.get(i % 6);
      switch (i % 6) {
        case 0 -> ends.add(api.sendAsync(HttpMethod.POST, transfer + "/complete", downloader.token(), null));
        case 1 -> ends.add(twinApi.sendAsync(HttpMethod.POST, transfer + "/fail", downloader.token(),
            new JsonObject().put("reason", "downloader_error")));
        case 2 -> {
          ends.add(api.sendAsync(HttpMethod.POST, transfer + "/complete", downloader.token(), null));
          ends.add(twinApi.sendAsync(HttpMethod.POST, transfer + "/complete", downloader.token(), null));
        }
        case 3 -> {
          ends.add(api.sendAsync(HttpMethod.POST, transfer + "/complete", downloader.token(), null));
          ends.add(twinApi.sendAsync(HttpMethod.POST, transfer + "/fail", downloader.token(),
              new JsonObject().put("reason", "cancelled")));
        }
        case 4 -> {
          if (i < starts.size() / 2) {
            ends.add(twinApi.sendAsync(HttpMethod.POST, transfer + "/fail", downloader.token(),
                new JsonObject().put("reason", "too_slow")));
          }
        }
        default -> { }
      }
    }
    Peer leaving = downloaders.get(4);
    Future<HttpResponse<Buffer>> left = twinApi.sendAsync(HttpMethod.DELETE, "/api/v1/peers/" + leaving.peerId(), leaving.token(), null);
    List<Future<HttpResponse<Buffer>>> all = new ArrayList<>(List.of(left));
    endsByWay.forEach(all::addAll);
    TrackerApi.await(Future.join(all));

    // What the README promises for each: an end is 200, and so is its repetition; of a complete
    // and a fail racing, the first wins with 200 and the other is 409 transfer_finished. A fail
    // racing its downloader's departure is 200, or 404 unknown_peer once the downloader is gone.
    assertThat(left.result().statusCode()).isEqualTo(204);
    for (int way : new int[] {0, 1, 2}) {
      assertThat(endsByWay.get(way)).as("way " + way).allSatisfy(end ->
          assertThat(end.result().statusCode()).as(end.result().bodyAsString()).isEqualTo(200));
    }
    assertThat(endsByWay.get(2)).as("transfers completed twice").hasSize(12);
    for (int pair = 0; pair < endsByWay.get(3).size(); pair += 2) {
      List<HttpResponse<Buffer>> race = List.of(endsByWay.get(3).get(pair).result(), endsByWay.get(3).get(pair + 1).result());
      assertThat(race).extracting(HttpResponse::statusCode).as("complete and fail of one transfer").containsExactlyInAnyOrder(200, 409);
      assertThat(race).filteredOn(r -> r.statusCode() == 409)
          .allSatisfy(r -> assertThat(r.bodyAsJsonObject().getString("error")).isEqualTo("transfer_finished"));
    }
    assertThat(endsByWay.get(4)).allSatisfy(end -> {
      assertThat(end.result().statusCode()).as(end.result().bodyAsString()).isIn(200, 404);
      if (end.result().statusCode() == 404) {
        assertThat(end.result().bodyAsJsonObject().getString("error")).isEqualTo("unknown_peer");
      }
    });

    Map<String, Long> unfinished = api.get("/api/v1/transfers?state=active&limit=1000").bodyAsJsonArray().stream()
        .map(JsonObject.class::cast)
        .filter(t -> t.getString("sha256").equals(dataset))
        .collect(Collectors.groupingBy(t -> t.getString("fromName"), Collectors.counting()));
    assertThat(unfinished.values().stream().mapToLong(Long::longValue).sum()).as("transfers left active").isEqualTo(6);
    Map<String, Long> load = activeUploads();
    assertThat(holders).allSatisfy(holder ->
        assertThat(load.get(holder.name())).as(holder.name()).isEqualTo(unfinished.getOrDefault(holder.name(), 0L)));
  }

  private Map<String, Long> activeUploads() {
    return api.get("/api/v1/peers").bodyAsJsonArray().stream().map(JsonObject.class::cast)
        .collect(Collectors.toMap(p -> p.getString("name"), p -> p.getLong("activeUploads")));
  }

  /** Starts a transfer excluding {@code excluded}, fails it at once (no load left, no new holder), returns its source. */
  private String chosenAndReleased(Peer downloader, String sha256, List<Peer> excluded) {
    HttpResponse<Buffer> lease = api.post("/api/v1/transfers", downloader.token(), new JsonObject()
        .put("sha256", sha256).put("exclude", excluded.stream().map(Peer::peerId).toList()));
    assertThat(lease.statusCode()).as(lease.bodyAsString()).isEqualTo(201);
    HttpResponse<Buffer> failed = api.post("/api/v1/transfers/" + lease.bodyAsJsonObject().getString("transferId") + "/fail",
        downloader.token(), new JsonObject().put("reason", "cancelled"));
    assertThat(failed.statusCode()).as(failed.bodyAsString()).isEqualTo(200);
    return lease.bodyAsJsonObject().getJsonObject("source").getString("peerId");
  }

  private String sourceOfNewTransfer(Peer downloader, String sha256, List<Peer> excluded) {
    HttpResponse<Buffer> lease = api.post("/api/v1/transfers", downloader.token(), new JsonObject()
        .put("sha256", sha256).put("exclude", excluded.stream().map(Peer::peerId).toList()));
    assertThat(lease.statusCode()).isEqualTo(201);
    return lease.bodyAsJsonObject().getJsonObject("source").getString("peerId");
  }

  /** Completes {@code count} of {@code source}'s uploads; lease i was requested by downloader i % 5. */
  private void completeUploadsOf(Peer source, List<JsonObject> leases, List<Peer> downloaders, int count) {
    int completed = 0;
    for (int i = 0; i < leases.size() && completed < count; i++) {
      if (leases.get(i).getJsonObject("source").getString("peerId").equals(source.peerId())) {
        complete(downloaders.get(i % downloaders.size()), leases.get(i).getString("transferId"));
        completed++;
      }
    }
  }

  private void complete(Peer downloader, String transferId) {
    HttpResponse<Buffer> response = api.post("/api/v1/transfers/" + transferId + "/complete", downloader.token(), null);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
  }
}
