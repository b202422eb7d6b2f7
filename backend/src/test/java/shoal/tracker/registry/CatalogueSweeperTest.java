package shoal.tracker.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static shoal.tracker.testing.TrackerApi.file;
import static shoal.tracker.testing.TrackerApi.sha;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import shoal.tracker.db.DatabaseUrl;
import shoal.tracker.db.RegistryPool;
import shoal.tracker.testing.TrackerApi;
import shoal.tracker.testing.TrackerApi.Peer;
import shoal.tracker.testing.TrackerExtension;

/** The catalogue forgets files nobody holds, and never one that is being reported at that moment. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
@DisplayName("Sweeping the file catalogue")
class CatalogueSweeperTest {

  @RegisterExtension
  static final TrackerExtension tracker = new TrackerExtension();

  private TrackerApi api;
  private Pool pool;

  @BeforeEach
  void connect(Vertx vertx) {
    api = tracker.api(vertx);
    pool = RegistryPool.create(vertx, DatabaseUrl.parse(tracker.tracker().config().dbUrl()), tracker.tracker().config().dbTimeouts());
  }

  @AfterEach
  void disconnect() {
    TrackerApi.await(pool.close());
  }

  @Test
  @DisplayName("a file whose last holder left leaves the catalogue; a file still held stays; a file reported again comes back")
  void unheldFilesLeaveTheCatalogue() {
    String gone = sha("sweep-gone");
    String kept = sha("sweep-kept");
    Peer leaving = api.register("sweep-leaving", List.of(file(gone, "gone.iso", 10), file(kept, "kept.iso", 20)));
    api.register("sweep-staying", List.of(file(kept, "kept.iso", 20)));
    api.delete("/api/v1/peers/" + leaving.peerId(), leaving.token());

    assertThat(TrackerApi.await(CatalogueSweeper.removeUnheld(pool))).isEqualTo(1);
    assertThat(catalogued(gone)).isFalse();
    assertThat(catalogued(kept)).isTrue();
    assertThat(TrackerApi.await(CatalogueSweeper.removeUnheld(pool))).isZero();

    Peer back = api.register("sweep-back", List.of(file(gone, "gone-again.iso", 10)));
    assertThat(holdersOf(gone)).containsExactly(back.peerId());
    assertThat(api.get("/api/v1/files?q=gone-again").bodyAsJsonArray()).hasSize(1);
  }

  @Test
  @DisplayName("a sweep running while a peer reports an unheld file leaves that file catalogued")
  void aFileBeingReportedIsNotSwept() {
    String returning = sha("sweep-returning");
    Peer first = api.register("sweep-first", List.of(file(returning, "returning.bin", 30)));
    api.delete("/api/v1/peers/" + first.peerId(), first.token());
    Peer second = api.register("sweep-second", List.of());

    // The second peer reports the file in a transaction still open while a sweep runs.
    SqlConnection reporting = TrackerApi.await(pool.getConnection());
    try {
      Transaction open = TrackerApi.await(reporting.begin());
      TrackerApi.await(reporting.preparedQuery(RegistryQueries.UPSERT_HOLDINGS).execute(Tuple.of(
          UUID.fromString(second.peerId()), new String[] {returning}, new String[] {"returning.bin"}, new Long[] {30L})));

      assertThat(TrackerApi.await(CatalogueSweeper.removeUnheld(pool))).as("entries swept").isZero();
      TrackerApi.await(open.commit());
    } finally {
      TrackerApi.await(reporting.close());
    }

    assertThat(holdersOf(returning)).containsExactly(second.peerId());
  }

  private List<String> holdersOf(String sha256) {
    JsonObject file = api.get("/api/v1/files/" + sha256).bodyAsJsonObject();
    assertThat(file.containsKey("holders")).as(file.encode()).isTrue();
    return file.getJsonArray("holders").stream().map(h -> ((JsonObject) h).getString("peerId")).toList();
  }

  private boolean catalogued(String sha256) {
    return TrackerApi.await(pool.preparedQuery("SELECT 1 FROM files WHERE sha256 = $1").execute(Tuple.of(sha256))).size() == 1;
  }
}
