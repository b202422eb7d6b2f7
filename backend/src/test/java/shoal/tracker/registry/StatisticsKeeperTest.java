package shoal.tracker.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static shoal.tracker.testing.TrackerApi.file;
import static shoal.tracker.testing.TrackerApi.sha;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import shoal.tracker.access.RateLimit;
import shoal.tracker.db.DatabaseUrl;
import shoal.tracker.testing.TrackerApi;
import shoal.tracker.testing.TrackerExtension;

/** Planner statistics follow bulk changes within seconds, not at autovacuum's next visit. */
@ExtendWith(VertxExtension.class)
@Timeout(90)
@DisplayName("Statistics after bulk changes")
class StatisticsKeeperTest {

  private static final int PEERS = 20;
  private static final int FILES_PER_PEER = 1_000;

  @RegisterExtension
  static final TrackerExtension tracker = TrackerExtension.tuned(config ->
      config.withAccess(config.access().withLimits(RateLimit.NONE, RateLimit.NONE)));

  private TrackerApi api;
  private Pool db;

  @BeforeEach
  void connect(Vertx vertx) {
    api = tracker.api(vertx);
    db = PgBuilder.pool().connectingTo(DatabaseUrl.parse(tracker.tracker().config().dbUrl()).connectOptions())
        .using(vertx).build();
  }

  @AfterEach
  void disconnect() {
    TrackerApi.await(db.close());
  }

  @Test
  @DisplayName("after 20 000 holdings arrive, the tracker analyzes the tables within seconds, and the planner knows their size")
  void bulkRegistrationsAreAnalyzed() throws InterruptedException {
    // Autovacuum is turned off for this class's database tables, so only the tracker can analyze them.
    for (String table : StatisticsKeeper.TABLES) {
      TrackerApi.await(db.query("ALTER TABLE " + table + " SET (autovacuum_enabled = false)").execute());
    }
    for (int p = 0; p < PEERS; p++) {
      List<JsonObject> files = new ArrayList<>(FILES_PER_PEER);
      for (int f = 0; f < FILES_PER_PEER; f++) {
        // Each file held by two peers: 10 000 distinct files.
        int n = (p / 2) * FILES_PER_PEER + f;
        files.add(file(sha("bulk-" + n), "bulk-" + n + ".bin", n + 1));
      }
      api.register("bulk-" + p, files);
    }

    // An analysis may have run while the registrations came in; the one that counts comes after the last.
    OffsetDateTime registered = TrackerApi.await(db.query("SELECT now() AS at").execute()).iterator().next().getOffsetDateTime("at");
    long deadline = System.nanoTime() + 30_000_000_000L;
    Row holdings = holdingsStatistics();
    while (holdings.getOffsetDateTime("last_analyze") == null || holdings.getOffsetDateTime("last_analyze").isBefore(registered)) {
      assertThat(System.nanoTime()).as("holdings analyzed within 30 s of the registrations").isLessThan(deadline);
      Thread.sleep(200);
      holdings = holdingsStatistics();
    }
    // Analyzed once more than a fifth of the table changed: the planner's figure is within that of the truth.
    double rows = holdings.getDouble("reltuples");
    assertThat(rows).as("the planner's idea of the table's size").isBetween(PEERS * FILES_PER_PEER * 0.75, PEERS * FILES_PER_PEER * 1.0);
    assertThat((double) holdings.getLong("n_mod_since_analyze")).as("rows changed since")
        .isLessThanOrEqualTo(StatisticsKeeper.MIN_CHANGED_ROWS + StatisticsKeeper.CHANGED_FRACTION * rows);
  }

  private Row holdingsStatistics() {
    return TrackerApi.await(db.query("""
        SELECT s.last_analyze, s.n_mod_since_analyze, c.reltuples::float8 AS reltuples
        FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
        WHERE s.relname = 'holdings'""").execute()).iterator().next();
  }
}
