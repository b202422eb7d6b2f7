package shoal.tracker.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import shoal.tracker.Tracker;
import shoal.tracker.testing.FullTableFigures;
import shoal.tracker.testing.TestPostgres;
import shoal.tracker.testing.TestTrackers;
import shoal.tracker.testing.TrackerApi;

/** A tracker started on a registry an older version left behind brings it up to date, rows intact. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
@DisplayName("Upgrading an existing registry")
class RegistryUpgradeTest {

  @Test
  @DisplayName("transfers under way keep loading their sources once active uploads become a counter (migration 3)")
  void activeUploadsBecomeCounters(Vertx vertx) {
    DatabaseUrl url = TestPostgres.newBlankDatabase();
    Flyway.configure().dataSource(url.jdbcUrl(), url.user(), url.password())
        .locations("classpath:db/migrations").target("2").load().migrate();
    TestPostgres.execute(url, """
        INSERT INTO peers (peer_id, name, address, token_hash, expires_at) VALUES
          ('00000000-0000-0000-0000-00000000000a', 'busy', 'http://127.0.0.1:1', '\\x0a', now() + interval '1 hour'),
          ('00000000-0000-0000-0000-00000000000b', 'idle', 'http://127.0.0.1:2', '\\x0b', now() + interval '1 hour'),
          ('00000000-0000-0000-0000-00000000000d', 'fetching', 'http://127.0.0.1:3', '\\x0d', now() + interval '1 hour');
        INSERT INTO transfers (transfer_id, sha256, name, size, source_id, source_name, downloader_id, downloader_name, state)
        SELECT gen_random_uuid(), repeat('a', 64), 'a.bin', 1, source::uuid, 'source', '00000000-0000-0000-0000-00000000000d', 'fetching', state
        FROM (VALUES
          ('00000000-0000-0000-0000-00000000000a', 'active'),
          ('00000000-0000-0000-0000-00000000000a', 'active'),
          ('00000000-0000-0000-0000-00000000000a', 'completed'),
          ('00000000-0000-0000-0000-00000000000b', 'failed'),
          ('00000000-0000-0000-0000-00000000000b', 'abandoned')) AS t(source, state)""");

    Tracker tracker = TestTrackers.startOn(url.toUrl(), Duration.ofSeconds(10), Duration.ofSeconds(30));
    try {
      Map<String, Long> activeUploads = new TrackerApi(vertx, tracker.url()).get("/api/v1/peers").bodyAsJsonArray()
          .stream().map(JsonObject.class::cast)
          .collect(Collectors.toMap(peer -> peer.getString("name"), peer -> peer.getLong("activeUploads")));
      assertThat(activeUploads).containsExactlyInAnyOrderEntriesOf(Map.of("busy", 2L, "idle", 0L, "fetching", 0L));
    } finally {
      tracker.close();
    }
  }

  @Test
  @DisplayName("an upgraded registry shows the same stats and served totals once they become running counters (migration 5)")
  void statsBecomeCounters(Vertx vertx) {
    DatabaseUrl url = TestPostgres.newBlankDatabase();
    Flyway.configure().dataSource(url.jdbcUrl(), url.user(), url.password())
        .locations("classpath:db/migrations").target("4").load().migrate();
    // Every state with partial bytes, a source that left (its id cleared, its name kept) and one
    // of the largest sizes, so the seeded byte total is beyond 2^53.
    TestPostgres.execute(url, """
        INSERT INTO peers (peer_id, name, address, token_hash, expires_at, served_total) VALUES
          ('00000000-0000-0000-0000-00000000000a', 'source', 'http://127.0.0.1:1', '\\x0a', now() + interval '1 hour', 9007199254741991),
          ('00000000-0000-0000-0000-00000000000d', 'fetching', 'http://127.0.0.1:3', '\\x0d', now() + interval '1 hour', 0);
        INSERT INTO peer_load (peer_id, active_uploads) VALUES
          ('00000000-0000-0000-0000-00000000000a', 1), ('00000000-0000-0000-0000-00000000000d', 0);
        INSERT INTO holdings (peer_id, sha256, name, size) VALUES
          ('00000000-0000-0000-0000-00000000000a', repeat('a', 64), 'a.bin', 9007199254740991),
          ('00000000-0000-0000-0000-00000000000a', repeat('b', 64), 'b.bin', 1000),
          ('00000000-0000-0000-0000-00000000000d', repeat('a', 64), 'a.bin', 9007199254740991);
        INSERT INTO files (sha256, name, size) VALUES (repeat('a', 64), 'a.bin', 9007199254740991), (repeat('b', 64), 'b.bin', 1000);
        INSERT INTO transfers (transfer_id, sha256, name, size, source_id, source_name, downloader_id, downloader_name, bytes, state, finished_at)
        SELECT gen_random_uuid(), repeat(sha, 64), sha || '.bin', size, source::uuid, 'source',
          '00000000-0000-0000-0000-00000000000d', 'fetching', bytes, state, CASE WHEN state = 'active' THEN NULL ELSE now() END
        FROM (VALUES
          ('a', 9007199254740991, '00000000-0000-0000-0000-00000000000a', 9007199254740991, 'completed'),
          ('b', 1000, '00000000-0000-0000-0000-00000000000a', 1000, 'completed'),
          ('b', 1000, '00000000-0000-0000-0000-00000000000a', 400, 'active'),
          ('b', 1000, '00000000-0000-0000-0000-00000000000a', 250, 'failed'),
          ('b', 1000, NULL, 600, 'abandoned'),
          ('b', 1000, NULL, 1000, 'completed')) AS t(sha, size, source, bytes, state)""");

    Tracker tracker = TestTrackers.startOn(url.toUrl(), Duration.ofSeconds(10), Duration.ofSeconds(30));
    try {
      TrackerApi api = new TrackerApi(vertx, tracker.url());
      JsonObject stats = api.get("/api/v1/stats").bodyAsJsonObject();
      assertThat(stats).isEqualTo(new JsonObject()
          .put("peers", 2).put("files", 2).put("holdings", 3).put("activeTransfers", 1).put("completedTransfers", 3)
          .put("bytesTransferred", 9007199254740991L + 1000 + 400 + 250 + 600 + 1000));
      Pool pool = RegistryPool.create(vertx, DatabaseUrl.parse(tracker.config().dbUrl()), DatabaseTimeouts.DEFAULTS);
      try {
        assertThat(stats).isEqualTo(FullTableFigures.stats(pool));
      } finally {
        TrackerApi.await(pool.close());
      }
      assertThat(api.get("/api/v1/peers/00000000-0000-0000-0000-00000000000a").bodyAsJsonObject().getLong("servedTotal"))
          .isEqualTo(9007199254741991L);
    } finally {
      tracker.close();
    }
  }
}
