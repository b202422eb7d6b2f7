package shoal.tracker.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import shoal.tracker.Tracker;
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
}
