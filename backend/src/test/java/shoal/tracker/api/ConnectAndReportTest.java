package shoal.tracker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static shoal.tracker.testing.TrackerApi.file;
import static shoal.tracker.testing.TrackerApi.sha;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
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

/** Seed scenario 1: connect to the tracker and report the files the node has. */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("Connect to the tracker and report files")
class ConnectAndReportTest {

  @RegisterExtension
  static final TrackerExtension tracker = new TrackerExtension();

  private TrackerApi api;

  @BeforeEach
  void connect(Vertx vertx) {
    api = tracker.api(vertx);
  }

  @Test
  @DisplayName("two peers with overlapping files: search and lookup show the right holders, names and sizes")
  void overlappingPeersAreFoundBySearchAndLookup() {
    String shared = sha("holiday-video"), aliceOnly = sha("alice-notes"), bobOnly = sha("bob-thesis");
    Peer alice = api.register("alice", List.of(file(shared, "Holiday Video.mp4", 7_340_032), file(aliceOnly, "notes.txt", 120)));
    Peer bob = api.register("bob", List.of(file(shared, "holiday video.mp4", 7_340_032), file(bobOnly, "thesis.pdf", 1_048_576)));

    JsonArray hits = api.get("/api/v1/files?q=HOLIDAY").bodyAsJsonArray();
    assertThat(hits).hasSize(1);
    assertThat(hits.getJsonObject(0).getMap())
        .containsEntry("sha256", shared).containsEntry("size", 7_340_032).containsEntry("holders", 2);

    JsonObject lookup = api.get("/api/v1/files/" + shared).bodyAsJsonObject();
    assertThat(lookup.getLong("size")).isEqualTo(7_340_032);
    assertThat(lookup.getJsonArray("holders").stream().map(h -> ((JsonObject) h).getString("peerId")))
        .containsExactlyInAnyOrder(alice.peerId(), bob.peerId());

    JsonObject thesis = api.get("/api/v1/files/" + bobOnly).bodyAsJsonObject();
    assertThat(thesis.getString("name")).isEqualTo("thesis.pdf");
    assertThat(thesis.getJsonArray("holders")).hasSize(1);
    assertThat(thesis.getJsonArray("holders").getJsonObject(0).getString("name")).isEqualTo("bob");

    JsonObject aliceDetails = api.get("/api/v1/peers/" + alice.peerId()).bodyAsJsonObject();
    assertThat(aliceDetails.getString("name")).isEqualTo("alice");
    assertThat(aliceDetails.getJsonArray("files").stream().map(f -> ((JsonObject) f).getString("sha256")))
        .containsExactlyInAnyOrder(shared, aliceOnly);

    JsonArray peers = api.get("/api/v1/peers").bodyAsJsonArray();
    JsonObject bobSummary = peers.stream().map(JsonObject.class::cast)
        .filter(p -> p.getString("peerId").equals(bob.peerId())).findFirst().orElseThrow();
    assertThat(bobSummary.getInteger("files")).isEqualTo(2);
    assertThat(bobSummary.getInteger("activeUploads")).isZero();
    assertThat(bobSummary.getString("lastSeen")).isNotBlank();
  }

  @Test
  @DisplayName("the first reported name is the file's name in search and lookup; each holder keeps its own for its copy")
  void firstNameWinsEachHolderKeepsItsOwn() {
    String report = sha("quarterly-report");
    Peer first = api.register("names-first", List.of(file(report, "Q3 report.pdf", 2_048)));
    Peer second = api.register("names-second", List.of(file(report, "q3-final-v2.pdf", 2_048)));
    // The first holder renames its copy afterwards: the file's name stays the one first reported.
    assertThat(api.put("/api/v1/peers/" + first.peerId() + "/files", first.token(),
        new JsonObject().put("files", new JsonArray().add(file(report, "Q3 report (old).pdf", 2_048)))).statusCode()).isEqualTo(200);
    Peer downloader = api.register("names-downloader", List.of());

    assertThat(api.get("/api/v1/files?q=q3%20report").bodyAsJsonArray().stream().map(f -> ((JsonObject) f).getString("name")))
        .containsExactly("Q3 report.pdf");
    assertThat(api.get("/api/v1/files?q=final-v2").bodyAsJsonArray()).as("search matches the file's name only").isEmpty();
    assertThat(api.get("/api/v1/files?q=%28old%29").bodyAsJsonArray()).isEmpty();
    assertThat(api.get("/api/v1/files/" + report).bodyAsJsonObject().getString("name")).isEqualTo("Q3 report.pdf");

    assertThat(fileNamesOf(first)).containsExactly("Q3 report (old).pdf");
    assertThat(fileNamesOf(second)).containsExactly("q3-final-v2.pdf");
    // A lease carries the name its source has for the file.
    JsonObject fromSecond = api.post("/api/v1/transfers", downloader.token(),
        new JsonObject().put("sha256", report).put("exclude", new JsonArray().add(first.peerId()))).bodyAsJsonObject();
    JsonObject fromFirst = api.post("/api/v1/transfers", downloader.token(),
        new JsonObject().put("sha256", report).put("exclude", new JsonArray().add(second.peerId()))).bodyAsJsonObject();
    assertThat(fromSecond.getString("name")).isEqualTo("q3-final-v2.pdf");
    assertThat(fromFirst.getString("name")).isEqualTo("Q3 report (old).pdf");
  }

  @Test
  @DisplayName("a peer replaces its list with PUT and adds to it with POST")
  void peerReplacesAndAddsFiles() {
    Peer carol = api.register("carol", List.of(file(sha("old-1"), "old-1.bin", 1), file(sha("old-2"), "old-2.bin", 2)));

    assertThat(api.put("/api/v1/peers/" + carol.peerId() + "/files", carol.token(),
        new JsonObject().put("files", new JsonArray().add(file(sha("new-1"), "new-1.bin", 10)))).statusCode()).isEqualTo(200);
    assertThat(api.post("/api/v1/peers/" + carol.peerId() + "/files", carol.token(),
        new JsonObject().put("files", new JsonArray().add(file(sha("new-2"), "new-2.bin", 20)))).statusCode()).isEqualTo(200);

    JsonArray files = api.get("/api/v1/peers/" + carol.peerId()).bodyAsJsonObject().getJsonArray("files");
    assertThat(files.stream().map(f -> ((JsonObject) f).getString("name"))).containsExactly("new-1.bin", "new-2.bin");
    assertThat(api.get("/api/v1/files/" + sha("old-1")).statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("search pages with limit and offset, and treats % and _ as plain characters")
  void searchPagesAndEscapes() {
    Peer dave = api.register("dave", List.of(
        file(sha("page-a"), "page_a.log", 1), file(sha("page-b"), "page_b.log", 1),
        file(sha("page-c"), "page_c.log", 1), file(sha("pagexd"), "pagexd.log", 1)));

    assertThat(api.get("/api/v1/files?q=page_&limit=2").bodyAsJsonArray().stream()
        .map(f -> ((JsonObject) f).getString("name"))).containsExactly("page_a.log", "page_b.log");
    assertThat(api.get("/api/v1/files?q=page_&limit=2&offset=2").bodyAsJsonArray().stream()
        .map(f -> ((JsonObject) f).getString("name"))).containsExactly("page_c.log");
    assertThat(api.get("/api/v1/files?q=%25").bodyAsJsonArray()).isEmpty();
    assertThat(dave.peerId()).isNotBlank();
  }

  private List<String> fileNamesOf(Peer peer) {
    return api.get("/api/v1/peers/" + peer.peerId()).bodyAsJsonObject().getJsonArray("files").stream()
        .map(f -> ((JsonObject) f).getString("name")).toList();
  }
}
