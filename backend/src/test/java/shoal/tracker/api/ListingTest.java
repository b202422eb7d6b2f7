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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import shoal.tracker.testing.TrackerApi;
import shoal.tracker.testing.TrackerApi.Peer;
import shoal.tracker.testing.TrackerExtension;

/** The peer and transfer lists page with limit and offset, in a stable order. */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("Listing peers and transfers")
class ListingTest {

  /** A tracker of this class's own, so the lists hold only what the tests here made. */
  @RegisterExtension
  static final TrackerExtension tracker = new TrackerExtension();

  private TrackerApi api;

  @BeforeEach
  void connect(Vertx vertx) {
    api = tracker.api(vertx);
  }

  @Test
  @DisplayName("peers are listed by name, and limit and offset walk the list in pages that neither skip nor repeat")
  void peersPageInNameOrder() {
    List<String> joinOrder = List.of("page-peer-c", "page-peer-a", "page-peer-e", "page-peer-b", "page-peer-d");
    for (String name : joinOrder) {
      api.register(name, List.of());
    }

    List<String> paged = new ArrayList<>();
    paged.addAll(names(api.get("/api/v1/peers?limit=2&offset=0")));
    paged.addAll(names(api.get("/api/v1/peers?limit=2&offset=2")));
    paged.addAll(names(api.get("/api/v1/peers?limit=2&offset=4")));

    assertThat(paged).containsExactly("page-peer-a", "page-peer-b", "page-peer-c", "page-peer-d", "page-peer-e");
    assertThat(names(api.get("/api/v1/peers"))).as("the whole list, without paging").isEqualTo(paged);
    assertThat(api.get("/api/v1/peers?limit=2&offset=5").bodyAsJsonArray()).isEmpty();
    assertThat(api.get("/api/v1/peers?limit=1000").bodyAsJsonArray()).hasSize(5);
    assertThat(api.get("/api/v1/peers?limit=1001").statusCode()).isEqualTo(400);
    assertThat(api.get("/api/v1/peers?offset=-1").statusCode()).isEqualTo(400);
  }

  @Test
  @DisplayName("transfers are listed newest first, whatever their state, and pages of a state hold only that state")
  void transfersPageNewestFirst() {
    String film = sha("listing-film");
    api.register("listing-source", List.of(file(film, "film.mkv", 1_000)));
    Peer downloader = api.register("listing-downloader", List.of());
    List<String> started = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      started.add(api.startTransfer(downloader, film).bodyAsJsonObject().getString("transferId"));
    }
    // The second and the fourth end; the others stay active.
    for (int i : new int[] {1, 3}) {
      assertThat(api.post("/api/v1/transfers/" + started.get(i) + "/fail", downloader.token(),
          new JsonObject().put("reason", "cancelled")).statusCode()).isEqualTo(200);
    }
    List<String> newestFirst = new ArrayList<>(started);
    Collections.reverse(newestFirst);

    List<String> paged = new ArrayList<>();
    paged.addAll(transferIds(api.get("/api/v1/transfers?limit=2&offset=0")));
    paged.addAll(transferIds(api.get("/api/v1/transfers?limit=2&offset=2")));
    paged.addAll(transferIds(api.get("/api/v1/transfers?limit=2&offset=4")));

    assertThat(paged).containsExactlyElementsOf(newestFirst);
    assertThat(transferIds(api.get("/api/v1/transfers"))).isEqualTo(paged);
    assertThat(transferIds(api.get("/api/v1/transfers?state=active&limit=2")))
        .containsExactly(started.get(4), started.get(2));
    assertThat(transferIds(api.get("/api/v1/transfers?state=active&limit=2&offset=2"))).containsExactly(started.get(0));
    assertThat(transferIds(api.get("/api/v1/transfers?state=failed"))).containsExactly(started.get(3), started.get(1));
  }

  private static List<String> names(HttpResponse<Buffer> response) {
    return column(response, "name");
  }

  private static List<String> transferIds(HttpResponse<Buffer> response) {
    return column(response, "transferId");
  }

  private static List<String> column(HttpResponse<Buffer> response, String field) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    JsonArray rows = response.bodyAsJsonArray();
    return rows.stream().map(row -> ((JsonObject) row).getString(field)).toList();
  }
}
