package shoal.tracker.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static shoal.tracker.testing.TrackerApi.file;
import static shoal.tracker.testing.TrackerApi.sha;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
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
@Timeout(120)
@DisplayName("Sweeping the file catalogue")
class CatalogueSweeperTest {

  @RegisterExtension
  static final TrackerExtension tracker = new TrackerExtension();

  /** A tracker whose scheduled sweep runs every half second instead of every minute. */
  private static final Duration SWEEP = Duration.ofMillis(500);

  @RegisterExtension
  static final TrackerExtension sweeping = TrackerExtension.tuned(config -> config.withCatalogueSweep(SWEEP));

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

  @Test
  @DisplayName("on a running tracker, a file nobody holds leaves the catalogue by itself, and the next holder's name is the one found")
  void theScheduledSweepForgetsUnheldFiles(Vertx vertx) throws InterruptedException {
    TrackerApi sweepingApi = sweeping.api(vertx);
    // A pool of its own: RegistryPool's is shared per Vert.x instance, and this test's already
    // holds the other tracker's.
    Pool sweepingDb = PgBuilder.pool().connectingTo(DatabaseUrl.parse(sweeping.tracker().config().dbUrl()).connectOptions())
        .using(vertx).build();
    try {
      String artefact = sha("build-artefact");
      Peer builder = sweepingApi.register("builder", List.of(file(artefact, "build-41.tar", 70)));
      assertThat(catalogued(sweepingDb, artefact)).as("catalogued while held").isTrue();
      assertThat(sweepingApi.delete("/api/v1/peers/" + builder.peerId(), builder.token()).statusCode()).isEqualTo(204);

      // Nobody calls the sweep here: only the tracker's own timer can remove the entry.
      long deadline = System.nanoTime() + SWEEP.multipliedBy(10).toNanos();
      while (catalogued(sweepingDb, artefact)) {
        assertThat(System.nanoTime()).as("the entry is swept within ten intervals").isLessThan(deadline);
        Thread.sleep(50);
      }

      // Forgotten, the file takes the name of whoever reports it next: the old first name is gone.
      sweepingApi.register("rebuilder", List.of(file(artefact, "build-42.tar", 70)));
      assertThat(sweepingApi.get("/api/v1/files/" + artefact).bodyAsJsonObject().getString("name")).isEqualTo("build-42.tar");
      assertThat(sweepingApi.get("/api/v1/files?q=build-4").bodyAsJsonArray().stream()
          .map(f -> ((JsonObject) f).getString("name"))).containsExactly("build-42.tar");
    } finally {
      TrackerApi.await(sweepingDb.close());
    }
  }

  private List<String> holdersOf(String sha256) {
    JsonObject file = api.get("/api/v1/files/" + sha256).bodyAsJsonObject();
    assertThat(file.containsKey("holders")).as(file.encode()).isTrue();
    return file.getJsonArray("holders").stream().map(h -> ((JsonObject) h).getString("peerId")).toList();
  }

  private boolean catalogued(String sha256) {
    return catalogued(pool, sha256);
  }

  private static boolean catalogued(Pool pool, String sha256) {
    return TrackerApi.await(pool.preparedQuery("SELECT 1 FROM files WHERE sha256 = $1").execute(Tuple.of(sha256))).size() == 1;
  }
}
