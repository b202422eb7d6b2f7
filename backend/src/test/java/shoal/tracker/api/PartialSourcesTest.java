package shoal.tracker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static shoal.tracker.testing.TrackerApi.file;
import static shoal.tracker.testing.TrackerApi.partial;
import static shoal.tracker.testing.TrackerApi.pieces;
import static shoal.tracker.testing.TrackerApi.sha;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import shoal.tracker.Tracker;
import shoal.tracker.registry.FileCatalog;
import shoal.tracker.testing.BridgeSocket;
import shoal.tracker.testing.TestTrackers;
import shoal.tracker.testing.TrackerApi;
import shoal.tracker.testing.TrackerApi.Peer;
import shoal.tracker.testing.TrackerExtension;

/**
 * Downloaders that fetch in verified pieces ({@code "pieces": true}) may be given a partial holder,
 * when the file can be had whole; everybody else gets exactly the whole holders they got before.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("Partial holders as sources")
class PartialSourcesTest {

  @RegisterExtension
  static final TrackerExtension tracker = new TrackerExtension();

  private TrackerApi api;

  @BeforeEach
  void connect(Vertx vertx) {
    api = tracker.api(vertx);
  }

  @Test
  @DisplayName("two partial holders that have every piece between them make the file available: the lease names one of them, partial, with its name and size")
  void partialHoldersThatCoverTheFileAreLeased() {
    String film = sha("covered-film");
    Peer first = api.register("first-half", List.of());
    Peer second = api.register("second-half", List.of());
    api.announcePartial(first, film, partial("film.mkv", 10_000, 10, pieces(0, 5)));
    api.announcePartial(second, film, partial("film.mkv", 10_000, 10, pieces(5, 10)));
    Peer downloader = api.register("covered-downloader", List.of());

    HttpResponse<Buffer> lease = startInPieces(downloader, film, List.of());

    assertThat(lease.statusCode()).isEqualTo(201);
    JsonObject body = lease.bodyAsJsonObject();
    assertThat(body.getString("name")).isEqualTo("film.mkv");
    assertThat(body.getLong("size")).isEqualTo(10_000L);
    assertThat(body.getJsonObject("source").getString("peerId")).isIn(first.peerId(), second.peerId());
    assertThat(body.getJsonObject("source").getBoolean("partial")).isTrue();
    // An ordinary transfer: it loads its source and shows among the active ones.
    String source = body.getJsonObject("source").getString("peerId");
    assertThat(api.get("/api/v1/peers/" + source).bodyAsJsonObject().getLong("activeUploads")).isEqualTo(1);
    assertThat(api.get("/api/v1/transfers?state=active").bodyAsJsonArray().stream().map(JsonObject.class::cast)
        .map(transfer -> transfer.getString("transferId"))).contains(body.getString("transferId"));
  }

  @Test
  @DisplayName("partial holders with a piece missing between them, and no holder: 404 not_available at once, with or without pieces")
  void uncoveredFileIsNotAvailable() {
    String album = sha("gappy-album");
    Peer first = api.register("gappy-first", List.of());
    Peer second = api.register("gappy-second", List.of());
    api.announcePartial(first, album, partial("album.flac", 800, 8, pieces(0, 4)));
    api.announcePartial(second, album, partial("album.flac", 800, 8, pieces(5, 8)));
    Peer downloader = api.register("gappy-downloader", List.of());
    startInPieces(downloader, sha("warm-up"), List.of());

    long started = System.nanoTime();
    HttpResponse<Buffer> inPieces = startInPieces(downloader, album, List.of());
    long millis = (System.nanoTime() - started) / 1_000_000;

    assertNotAvailable(inPieces);
    assertThat(millis).isLessThan(1_000);
    assertNotAvailable(api.startTransfer(downloader, album));
  }

  @Test
  @DisplayName("the downloader's own verified pieces count toward the whole file, but it is never its own source")
  void downloadersOwnPiecesCount() {
    String book = sha("half-book");
    Peer other = api.register("book-first-half", List.of());
    Peer downloader = api.register("book-second-half", List.of());
    api.announcePartial(other, book, partial("book.epub", 600, 6, pieces(0, 3)));
    assertNotAvailable(startInPieces(downloader, book, List.of()));

    api.announcePartial(downloader, book, partial("book.epub", 600, 6, pieces(3, 6)));
    HttpResponse<Buffer> lease = startInPieces(downloader, book, List.of());

    assertThat(lease.statusCode()).isEqualTo(201);
    assertThat(lease.bodyAsJsonObject().getJsonObject("source").getString("peerId")).isEqualTo(other.peerId());
    assertNotAvailable(startInPieces(downloader, book, List.of(other.peerId())));
  }

  @Test
  @DisplayName("a partial holder that cuts the file into a different number of pieces cannot fill the others' gaps")
  void differentPieceCountsDoNotCombine() {
    String game = sha("liar-game");
    Peer honest = api.register("honest-half", List.of());
    Peer liar = api.register("liar-half", List.of());
    api.announcePartial(honest, game, partial("game.zip", 1_000, 10, pieces(0, 5)));
    // "The second half" by its own count: pieces 10 to 19 of 20.
    api.announcePartial(liar, game, partial("game.zip", 1_000, 20, pieces(10, 20)));
    Peer downloader = api.register("liar-downloader", List.of());

    assertNotAvailable(startInPieces(downloader, game, List.of()));
  }

  @Test
  @DisplayName("without pieces a downloader gets whole holders only: partial holders that cover the file are no source, and a busy holder is chosen over an idle partial one")
  void wholeFileDownloadersNeverGetPartialHolders() {
    String talk = sha("whole-only-talk");
    Peer first = api.register("whole-only-first", List.of());
    Peer second = api.register("whole-only-second", List.of());
    api.announcePartial(first, talk, partial("talk.webm", 400, 4, pieces(0, 2)));
    api.announcePartial(second, talk, partial("talk.webm", 400, 4, pieces(2, 4)));
    Peer downloader = api.register("whole-only-downloader", List.of());
    assertNotAvailable(api.startTransfer(downloader, talk));
    assertNotAvailable(startWhole(downloader, talk));

    Peer holder = api.register("whole-only-holder", List.of(file(talk, "talk.webm", 400)));
    for (int i = 0; i < 3; i++) {
      HttpResponse<Buffer> lease = api.startTransfer(downloader, talk);
      assertThat(lease.bodyAsJsonObject().getJsonObject("source").getString("peerId")).isEqualTo(holder.peerId());
      assertThat(lease.bodyAsJsonObject().getJsonObject("source").getBoolean("partial")).isFalse();
    }
  }

  @Test
  @DisplayName("whole and partial holders compete on load: with the holder busy uploading, the idle partial holder is chosen")
  void leastLoadedAcrossWholeAndPartialHolders() {
    String iso = sha("mixed-iso");
    Peer holder = api.register("mixed-holder", List.of(file(iso, "distro.iso", 2_000)));
    Peer leech = api.register("mixed-leech", List.of());
    api.announcePartial(leech, iso, partial("distro-part.iso", 2_000, 20, pieces(0, 3)));
    Peer busyMaker = api.register("mixed-busy-maker", List.of());
    Peer downloader = api.register("mixed-downloader", List.of());
    assertThat(sourceOf(api.startTransfer(busyMaker, iso))).isEqualTo(holder.peerId());

    HttpResponse<Buffer> lease = startInPieces(downloader, iso, List.of());
    assertThat(sourceOf(lease)).isEqualTo(leech.peerId());
    assertThat(lease.bodyAsJsonObject().getJsonObject("source").getBoolean("partial")).isTrue();
    // A transfer from a partial holder carries its own name for the file.
    assertThat(lease.bodyAsJsonObject().getString("name")).isEqualTo("distro-part.iso");

    // One upload each now, each chosen once: the one chosen longest ago, the holder, is next.
    HttpResponse<Buffer> next = startInPieces(downloader, iso, List.of());
    assertThat(sourceOf(next)).isEqualTo(holder.peerId());
    assertThat(next.bodyAsJsonObject().getJsonObject("source").getBoolean("partial")).isFalse();
  }

  @Test
  @DisplayName("32 downloaders in pieces asking at once, in batches that wait for each other's locks, end at 16 and 16 on a holder and a partial holder")
  void concurrentStartsSpreadOverWholeAndPartialHolders() {
    String file = sha("crowded-file");
    Peer holder = api.register("crowded-holder", List.of(file(file, "crowd.bin", 800)));
    Peer leech = api.register("crowded-leech", List.of());
    api.announcePartial(leech, file, partial("crowd.bin", 800, 8, pieces(0, 3)));
    List<Peer> crowd = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      crowd.add(api.register("crowd-" + i, List.of()));
    }

    List<Future<HttpResponse<Buffer>>> starts = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      starts.add(api.sendAsync(HttpMethod.POST, "/api/v1/transfers", crowd.get(i % crowd.size()).token(),
          new JsonObject().put("sha256", file).put("pieces", true)));
    }
    TrackerApi.await(Future.all(starts));

    assertThat(starts.stream().map(start -> sourceOf(start.result())))
        .filteredOn(holder.peerId()::equals).hasSize(16);
    assertThat(api.get("/api/v1/peers/" + holder.peerId()).bodyAsJsonObject().getLong("activeUploads")).isEqualTo(16);
    assertThat(api.get("/api/v1/peers/" + leech.peerId()).bodyAsJsonObject().getLong("activeUploads")).isEqualTo(16);
  }

  @Test
  @DisplayName("a holder left out by exclude still makes the file available: a downloader in pieces is given a partial holder that lacks pieces")
  void excludedHolderStillMakesTheFileAvailable() {
    String score = sha("excluded-score");
    Peer holder = api.register("excluded-holder", List.of(file(score, "score.pdf", 300)));
    Peer leech = api.register("excluded-leech", List.of());
    api.announcePartial(leech, score, partial("score.pdf", 300, 3, pieces(0, 1)));
    Peer downloader = api.register("excluded-downloader", List.of());

    assertThat(sourceOf(startInPieces(downloader, score, List.of(holder.peerId())))).isEqualTo(leech.peerId());
    assertNotAvailable(startInPieces(downloader, score, List.of(holder.peerId(), leech.peerId())));
  }

  @Test
  @DisplayName("completing a transfer from a partial holder makes the downloader a holder, and its own partial report is withdrawn")
  void completionFromAPartialHolderMakesAHolder(Vertx vertx) throws InterruptedException {
    String song = sha("completed-song");
    Peer first = api.register("song-first", List.of());
    Peer downloader = api.register("song-downloader", List.of());
    api.announcePartial(first, song, partial("song.ogg", 500, 5, pieces(0, 5)));
    api.announcePartial(downloader, song, partial("song.ogg", 500, 5, pieces(0, 2)));
    String transferId = startInPieces(downloader, song, List.of()).bodyAsJsonObject().getString("transferId");

    try (BridgeSocket socket = BridgeSocket.open(vertx, tracker.tracker().port())) {
      socket.listenTo("shoal.events");
      assertThat(api.post("/api/v1/transfers/" + transferId + "/progress", downloader.token(), new JsonObject().put("bytes", 300))
          .statusCode()).isEqualTo(200);
      assertThat(api.post("/api/v1/transfers/" + transferId + "/complete", downloader.token(), new JsonObject().put("bytes", 300))
          .statusCode()).isEqualTo(200);

      JsonObject removed = socket.nextEvent("partial.removed");
      assertThat(removed.getString("peerId")).isEqualTo(downloader.peerId());
      assertThat(removed.getString("sha256")).isEqualTo(song);
    }
    JsonArray holders = api.get("/api/v1/files/" + song).bodyAsJsonObject().getJsonArray("holders");
    assertThat(holders.stream().map(h -> ((JsonObject) h).getString("peerId"))).containsExactly(downloader.peerId());
    assertThat(api.get("/api/v1/partials?sha256=" + song).bodyAsJsonArray().stream()
        .map(p -> ((JsonObject) p).getString("peerId"))).containsExactly(first.peerId());
    assertThat(api.get("/api/v1/peers/" + first.peerId()).bodyAsJsonObject().getLong("servedTotal")).isEqualTo(300L);
  }

  @Test
  @DisplayName("a partial holder that leaves, or stops heartbeating, is chosen no more")
  void departedPartialHoldersAreNotChosen(Vertx vertx) throws InterruptedException {
    String file = sha("departing-source");
    Peer leaving = api.register("departing-leech", List.of());
    api.announcePartial(leaving, file, partial("a.bin", 100, 4, pieces(0, 4)));
    Peer downloader = api.register("departing-downloader", List.of());
    assertThat(sourceOf(startInPieces(downloader, file, List.of()))).isEqualTo(leaving.peerId());
    api.delete("/api/v1/peers/" + leaving.peerId(), leaving.token());
    assertNotAvailable(startInPieces(downloader, file, List.of()));

    Duration ttl = Duration.ofSeconds(2);
    try (Tracker shortLived = TestTrackers.start(Duration.ofMillis(500), ttl)) {
      TrackerApi shortApi = new TrackerApi(vertx, shortLived.url());
      Peer silent = shortApi.register("silent-source", List.of());
      Peer waiting = shortApi.register("heartbeating-downloader", List.of());
      shortApi.announcePartial(silent, file, partial("a.bin", 100, 4, pieces(0, 4)));
      assertThat(startInPieces(shortApi, waiting, file).statusCode()).isEqualTo(201);
      long deadline = System.nanoTime() + ttl.plusMillis(500).toNanos();
      while (System.nanoTime() < deadline) {
        shortApi.post("/api/v1/peers/" + waiting.peerId() + "/heartbeat", waiting.token(), null);
        Thread.sleep(250);
      }
      assertNotAvailable(startInPieces(shortApi, waiting, file));
    }
  }

  @Test
  @DisplayName("'pieces' that is not a boolean is 400 invalid_request")
  void piecesMustBeABoolean() {
    Peer downloader = api.register("pieces-typo", List.of());
    HttpResponse<Buffer> response = api.post("/api/v1/transfers", downloader.token(),
        new JsonObject().put("sha256", sha("any")).put("pieces", "yes"));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("invalid_request");
    assertThat(response.bodyAsJsonObject().getString("message")).isEqualTo("'pieces' must be true or false.");
  }

  private HttpResponse<Buffer> startInPieces(Peer downloader, String sha256, List<String> exclude) {
    return api.post("/api/v1/transfers", downloader.token(),
        new JsonObject().put("sha256", sha256).put("exclude", new JsonArray(exclude)).put("pieces", true));
  }

  private static HttpResponse<Buffer> startInPieces(TrackerApi via, Peer downloader, String sha256) {
    return via.post("/api/v1/transfers", downloader.token(), new JsonObject().put("sha256", sha256).put("pieces", true));
  }

  private HttpResponse<Buffer> startWhole(Peer downloader, String sha256) {
    return api.post("/api/v1/transfers", downloader.token(), new JsonObject().put("sha256", sha256).put("pieces", false));
  }

  private static String sourceOf(HttpResponse<Buffer> lease) {
    assertThat(lease.statusCode()).as(lease.bodyAsString()).isEqualTo(201);
    return lease.bodyAsJsonObject().getJsonObject("source").getString("peerId");
  }

  private static void assertNotAvailable(HttpResponse<Buffer> response) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(404);
    assertThat(response.bodyAsJsonObject().getMap())
        .containsEntry("error", "not_available").containsEntry("message", FileCatalog.NOT_AVAILABLE_MESSAGE);
  }
}
