package shoal.tracker.api;

import static org.assertj.core.api.Assertions.assertThat;
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
import java.util.Base64;
import java.util.BitSet;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import shoal.tracker.Tracker;
import shoal.tracker.registry.PartialHoldings;
import shoal.tracker.testing.BridgeSocket;
import shoal.tracker.testing.TestTrackers;
import shoal.tracker.testing.TrackerApi;
import shoal.tracker.testing.TrackerApi.Peer;
import shoal.tracker.testing.TrackerExtension;

/**
 * Peers that report the pieces they have verified of a file they are still downloading: their
 * records, the listing of them, the refusals and the events. Which downloaders they are given to
 * is {@link PartialSourcesTest}'s.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("Partial holders' reports")
class PartialHoldersTest {

  @RegisterExtension
  static final TrackerExtension tracker = new TrackerExtension();

  private TrackerApi api;

  @BeforeEach
  void connect(Vertx vertx) {
    api = tracker.api(vertx);
  }

  @Test
  @DisplayName("a report is listed, replaced by the next, removed by a bitfield without a piece or a withdrawal; whole-file lookups never show it")
  void reportsAreReplacedAndRemoved() {
    String iso = sha("partial-iso");
    Peer leech = api.register("partial-leech", List.of());

    HttpResponse<Buffer> first = api.announcePartial(leech, iso, partial("distro.iso", 10_000, 10, pieces(0, 4)));
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.bodyAsJsonObject()).isEqualTo(new JsonObject().put("sha256", iso).put("pieceCount", 10).put("have", 4));
    assertThat(partialsOf(iso)).containsExactly(new JsonObject().put("peerId", leech.peerId()).put("peerName", "partial-leech")
        .put("address", "http://127.0.0.1:7001/partial-leech").put("sha256", iso).put("name", "distro.iso").put("size", 10_000)
        .put("pieceCount", 10).put("have", 4));

    assertThat(api.announcePartial(leech, iso, partial("distro.iso", 10_000, 10, pieces(0, 7))).bodyAsJsonObject().getInteger("have"))
        .isEqualTo(7);
    assertThat(partialsOf(iso)).singleElement().satisfies(record -> assertThat(record.getInteger("have")).isEqualTo(7));
    // A partial holder is no holder: to whole-file lookups and searches the file is not there.
    assertThat(api.get("/api/v1/files/" + iso).bodyAsJsonObject().getString("error")).isEqualTo("not_available");
    assertThat(api.get("/api/v1/files?q=distro").bodyAsJsonArray()).isEmpty();

    HttpResponse<Buffer> emptied = api.announcePartial(leech, iso, partial("distro.iso", 10_000, 10, new BitSet()));
    assertThat(emptied.statusCode()).isEqualTo(200);
    assertThat(emptied.bodyAsJsonObject().getInteger("have")).isZero();
    assertThat(partialsOf(iso)).isEmpty();

    api.announcePartial(leech, iso, partial("distro.iso", 10_000, 10, pieces(0, 1)));
    assertThat(api.delete(partialPath(leech, iso), leech.token()).statusCode()).isEqualTo(204);
    assertThat(partialsOf(iso)).isEmpty();
    assertThat(api.delete(partialPath(leech, iso), leech.token()).statusCode()).as("withdrawing nothing").isEqualTo(204);
  }

  @Test
  @DisplayName("the listing shows live peers' reports, the newest first, of one file when asked, in pages")
  void listingIsNewestFirstFilteredAndPaged() {
    Peer a = api.register("listing-a", List.of());
    Peer b = api.register("listing-b", List.of());
    String film = sha("listing-film");
    String song = sha("listing-song");
    api.announcePartial(a, film, partial("film.mkv", 900, 9, pieces(0, 1)));
    api.announcePartial(b, song, partial("song.flac", 80, 8, pieces(0, 2)));
    api.announcePartial(b, film, partial("film.mkv", 900, 9, pieces(3, 6)));
    // a's report of the film, made again, is now the newest.
    api.announcePartial(a, film, partial("film.mkv", 900, 9, pieces(0, 2)));

    List<String> listed = api.get("/api/v1/partials?limit=1000").bodyAsJsonArray().stream().map(JsonObject.class::cast)
        .filter(record -> List.of(film, song).contains(record.getString("sha256")))
        .map(record -> record.getString("peerName") + " " + record.getString("name")).toList();
    assertThat(listed).containsExactly("listing-a film.mkv", "listing-b film.mkv", "listing-b song.flac");
    assertThat(partialsOf(film)).extracting(record -> record.getString("peerName")).containsExactly("listing-a", "listing-b");
    assertThat(api.get("/api/v1/partials?sha256=" + film + "&limit=1&offset=1").bodyAsJsonArray())
        .extracting(record -> ((JsonObject) record).getString("peerName")).containsExactly("listing-b");

    for (String query : List.of("sha256=" + film.toUpperCase(), "sha256=abc", "limit=0", "limit=1001", "offset=-1")) {
      assertInvalid(api.get("/api/v1/partials?" + query), query);
    }
  }

  static Stream<Arguments> badReports() {
    String valid = bitfield(10, pieces(0, 3));
    JsonObject report = new JsonObject().put("name", "a.bin").put("size", 1_000).put("pieceCount", 10).put("pieces", valid);
    return Stream.of(
        Arguments.of("no name", without(report, "name")),
        Arguments.of("a name that is a path", report.copy().put("name", "../a.bin")),
        Arguments.of("a name that is a number", report.copy().put("name", 7)),
        Arguments.of("no size", without(report, "size")),
        Arguments.of("a negative size", report.copy().put("size", -1)),
        Arguments.of("a size past 2^53 - 1", report.copy().put("size", 9_007_199_254_740_992L)),
        Arguments.of("a fractional size", report.copy().put("size", 1.5)),
        Arguments.of("a size of 0 for content that is not empty", report.copy().put("size", 0)),
        Arguments.of("no piece count", without(report, "pieceCount")),
        Arguments.of("a piece count of 0", report.copy().put("pieceCount", 0).put("pieces", "")),
        Arguments.of("more pieces than bytes", report.copy().put("size", 5)),
        Arguments.of("more pieces than 2^27", report.copy().put("size", 1L << 40).put("pieceCount", PartialHoldings.MAX_PIECE_COUNT + 1)),
        Arguments.of("a piece count given as text", report.copy().put("pieceCount", "10")),
        Arguments.of("a fractional piece count", report.copy().put("pieceCount", 9.5)),
        Arguments.of("no bitfield", without(report, "pieces")),
        Arguments.of("a bitfield that is a number", report.copy().put("pieces", 255)),
        Arguments.of("a bitfield that is not base64", report.copy().put("pieces", "%%%%")),
        Arguments.of("a bitfield one byte short", report.copy().put("pieces", Base64.getEncoder().encodeToString(new byte[1]))),
        Arguments.of("a bitfield one byte long", report.copy().put("pieces", Base64.getEncoder().encodeToString(new byte[3]))),
        Arguments.of("a spare bit set", report.copy().put("pieces", Base64.getEncoder().encodeToString(new byte[] {0, 0x20}))),
        Arguments.of("a JSON array", new JsonArray().add(report)),
        Arguments.of("malformed JSON", Buffer.buffer("{\"name\": \"a.bin\", ")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badReports")
  @DisplayName("a bad report is 400 invalid_request with a sentence, and the peer's record stays as it was")
  void badReportsAreRefused(String what, Object body) {
    String file = sha("bad-report");
    Peer peer = api.register("bad-reporter", List.of());
    api.announcePartial(peer, file, partial("a.bin", 1_000, 10, pieces(0, 3)));

    assertInvalid(api.put(partialPath(peer, file), peer.token(), body), what);
    assertThat(partialsOf(file)).singleElement().satisfies(record -> assertThat(record.getInteger("have")).isEqualTo(3));
    api.delete("/api/v1/peers/" + peer.peerId(), peer.token());
  }

  @Test
  @DisplayName("a bad hash in the path and the empty file are 400; an unknown peer is 404, a missing token 401, another's 403")
  void badPathsAndCallersAreRefused() {
    Peer peer = api.register("path-checker", List.of());
    Peer other = api.register("path-other", List.of());
    JsonObject report = partial("a.bin", 100, 10, pieces(0, 1));

    assertInvalid(api.put("/api/v1/peers/" + peer.peerId() + "/partials/ABC", peer.token(), report), "bad hash");
    String empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    HttpResponse<Buffer> emptyFile = api.put(partialPath(peer, empty), peer.token(),
        new JsonObject().put("name", "empty.txt").put("size", 0).put("pieceCount", 1).put("pieces", "AA=="));
    assertInvalid(emptyFile, "the empty file");
    assertThat(emptyFile.bodyAsJsonObject().getString("message")).contains("no pieces");

    String path = "/api/v1/peers/" + java.util.UUID.randomUUID() + "/partials/" + sha("p");
    assertThat(api.put(path, peer.token(), report).bodyAsJsonObject().getString("error")).isEqualTo("unknown_peer");
    assertThat(api.delete(path, peer.token()).bodyAsJsonObject().getString("error")).isEqualTo("unknown_peer");
    assertThat(api.put(partialPath(peer, sha("p")), null, report).statusCode()).isEqualTo(401);
    assertThat(api.delete(partialPath(peer, sha("p")), null).statusCode()).isEqualTo(401);
    assertThat(api.put(partialPath(peer, sha("p")), other.token(), report).statusCode()).isEqualTo(403);
    assertThat(api.delete(partialPath(peer, sha("p")), other.token()).statusCode()).isEqualTo(403);
    assertThat(api.send(HttpMethod.PUT, partialPath(peer, sha("p")), peer.token(), null).statusCode()).as("no body").isEqualTo(400);
  }

  @Test
  @DisplayName("a peer reports at most 1 000 files in part: one more is 400 with a sentence, while replacing a report still works")
  void reportsPerPeerAreCapped() {
    Peer hoarder = api.register("partial-hoarder", List.of());
    List<Future<HttpResponse<Buffer>>> reports = new ArrayList<>();
    for (int i = 0; i < PartialHoldings.MAX_PARTIALS_PER_PEER; i++) {
      reports.add(api.sendAsync(HttpMethod.PUT, partialPath(hoarder, sha("hoard-" + i)), hoarder.token(),
          partial("hoard-" + i + ".bin", 100, 4, pieces(0, 1))));
    }
    TrackerApi.await(Future.all(reports));
    assertThat(reports).allSatisfy(report -> assertThat(report.result().statusCode()).isEqualTo(200));

    HttpResponse<Buffer> beyond = api.announcePartial(hoarder, sha("hoard-beyond"), partial("beyond.bin", 100, 4, pieces(0, 1)));
    assertInvalid(beyond, "one report too many");
    assertThat(beyond.bodyAsJsonObject().getString("message")).contains("at most 1000").contains("nothing was changed");
    assertThat(api.get("/api/v1/partials?sha256=" + sha("hoard-beyond")).bodyAsJsonArray()).isEmpty();

    assertThat(api.announcePartial(hoarder, sha("hoard-0"), partial("hoard-0.bin", 100, 4, pieces(0, 4))).statusCode()).isEqualTo(200);
    api.delete(partialPath(hoarder, sha("hoard-1")), hoarder.token());
    assertThat(api.announcePartial(hoarder, sha("hoard-beyond"), partial("beyond.bin", 100, 4, pieces(0, 1))).statusCode())
        .isEqualTo(200);
  }

  @Test
  @DisplayName("a peer's reports hold at most 2^27 pieces between them, so its bitfields stay within 16 MiB")
  void piecesPerPeerAreCapped() {
    Peer hoarder = api.register("piece-hoarder", List.of());
    // The largest bitfield a 4 MiB body carries is about 3 MiB: 23 million pieces.
    int pieceCount = 23_000_000;
    int fit = (int) (PartialHoldings.MAX_PIECES_PER_PEER / pieceCount);
    for (int i = 0; i < fit; i++) {
      assertThat(api.announcePartial(hoarder, sha("huge-" + i), partial("huge.bin", 1L << 40, pieceCount, pieces(0, 1)))
          .statusCode()).isEqualTo(200);
    }

    HttpResponse<Buffer> beyond = api.announcePartial(hoarder, sha("huge-beyond"), partial("huge.bin", 1L << 40, pieceCount, pieces(0, 1)));

    assertInvalid(beyond, "one huge report too many");
    assertThat(beyond.bodyAsJsonObject().getString("message")).contains(PartialHoldings.MAX_PIECES_PER_PEER + " pieces");
    api.delete("/api/v1/peers/" + hoarder.peerId(), hoarder.token());
  }

  @Test
  @DisplayName("reports and withdrawals are announced as partial.updated and partial.removed")
  void changesAreAnnounced(Vertx vertx) throws InterruptedException {
    try (BridgeSocket socket = BridgeSocket.open(vertx, tracker.tracker().port())) {
      socket.listenTo("shoal.events");
      String file = sha("announced-partial");
      Peer peer = api.register("announcing-leech", List.of());

      api.announcePartial(peer, file, partial("talk.webm", 5_000, 5, pieces(1, 3)));
      JsonObject updated = socket.nextEvent("partial.updated");
      api.announcePartial(peer, file, partial("talk.webm", 5_000, 5, new BitSet()));
      JsonObject emptied = socket.nextEvent("partial.removed");
      api.announcePartial(peer, file, partial("talk.webm", 5_000, 5, pieces(0, 5)));
      socket.nextEvent("partial.updated");
      api.delete(partialPath(peer, file), peer.token());
      JsonObject withdrawn = socket.nextEvent("partial.removed");

      assertThat(updated.getMap()).containsEntry("peerId", peer.peerId()).containsEntry("peerName", "announcing-leech")
          .containsEntry("sha256", file).containsEntry("name", "talk.webm").containsEntry("size", 5_000)
          .containsEntry("pieceCount", 5).containsEntry("have", 2);
      assertThat(List.of(emptied, withdrawn)).allSatisfy(removed -> assertThat(removed.getMap())
          .containsEntry("peerId", peer.peerId()).containsEntry("sha256", file));
    }
  }

  @Test
  @DisplayName("a partial holder that leaves, or stops heartbeating, is gone from the listing with its reports")
  void departedPartialHoldersAreNotListed(Vertx vertx) throws InterruptedException {
    String file = sha("departing-partial");
    Peer leaving = api.register("leaving-leech", List.of());
    api.announcePartial(leaving, file, partial("a.bin", 100, 4, pieces(0, 2)));
    api.delete("/api/v1/peers/" + leaving.peerId(), leaving.token());
    assertThat(partialsOf(file)).isEmpty();

    Duration ttl = Duration.ofSeconds(2);
    try (Tracker shortLived = TestTrackers.start(Duration.ofMillis(500), ttl)) {
      TrackerApi shortApi = new TrackerApi(vertx, shortLived.url());
      Peer silent = shortApi.register("silent-leech", List.of());
      shortApi.announcePartial(silent, file, partial("a.bin", 100, 4, pieces(0, 2)));
      assertThat(shortApi.get("/api/v1/partials").bodyAsJsonArray()).hasSize(1);
      Thread.sleep(ttl.plusMillis(500).toMillis());
      assertThat(shortApi.get("/api/v1/partials").bodyAsJsonArray()).isEmpty();
    }
  }

  private List<JsonObject> partialsOf(String sha256) {
    return api.get("/api/v1/partials?sha256=" + sha256).bodyAsJsonArray().stream().map(JsonObject.class::cast).toList();
  }

  private static String partialPath(Peer peer, String sha256) {
    return "/api/v1/peers/" + peer.peerId() + "/partials/" + sha256;
  }

  private static void assertInvalid(HttpResponse<Buffer> response, String what) {
    assertThat(response.statusCode()).as(what).isEqualTo(400);
    assertThat(response.bodyAsJsonObject().getString("error")).as(what).isEqualTo("invalid_request");
    assertThat(response.bodyAsJsonObject().getString("message")).as(what).isNotBlank().endsWith(".");
  }

  private static String bitfield(int count, BitSet pieces) {
    return partial("x", count, count, pieces).getString("pieces");
  }

  private static JsonObject without(JsonObject json, String field) {
    JsonObject copy = json.copy();
    copy.remove(field);
    return copy;
  }
}
