package shoal.tracker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static shoal.tracker.testing.TrackerApi.file;
import static shoal.tracker.testing.TrackerApi.sha;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.pubsub.PgSubscriber;
import io.vertx.sqlclient.Pool;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
import shoal.tracker.testing.TrackerApi.Peer;
import shoal.tracker.testing.TrackerExtension;

/**
 * A lab losing power: 10 000 peers expire in the same second. The sweeper removes them in short
 * batches, and lookups on the same tracker keep answering meanwhile.
 */
@ExtendWith(VertxExtension.class)
@Timeout(90)
@DisplayName("An expiry storm")
class ExpiryStormTest {

  private static final int STORM = 10_000;
  /** Generous for a noisy 2-core machine: a sweep holding locks or the pool would show as seconds. */
  private static final long LOOKUP_BOUND_MILLIS = 250;

  @RegisterExtension
  static final TrackerExtension tracker = TrackerExtension.tuned(config ->
      config.withAccess(config.access().withLimits(RateLimit.NONE, RateLimit.NONE)));

  private TrackerApi api;
  private Pool db;
  private PgSubscriber events;

  @BeforeEach
  void connect(Vertx vertx) {
    api = tracker.api(vertx);
    var options = DatabaseUrl.parse(tracker.tracker().config().dbUrl()).connectOptions();
    db = PgBuilder.pool().connectingTo(options).using(vertx).build();
    events = PgSubscriber.subscriber(vertx, options);
  }

  @AfterEach
  void disconnect() {
    TrackerApi.await(events.close());
    TrackerApi.await(db.close());
  }

  @Test
  @DisplayName("10 000 peers expiring at once are all removed and announced, while every lookup answers within 250 ms")
  void aLabPoweringOffIsSweptWhileLookupsGoOn() throws InterruptedException {
    Set<String> announced = ConcurrentHashMap.newKeySet();
    events.channel("shoal_events").handler(payload -> {
      JsonObject event = new JsonObject(payload);
      if ("peer.expired".equals(event.getString("type")) && event.getString("name", "").startsWith("storm-")) {
        announced.add(event.getString("peerId"));
      }
    });
    TrackerApi.await(events.connect());
    String survivorFile = sha("survivor-file");
    Peer survivor = api.register("survivor", List.of(file(survivorFile, "survivor.iso", 42)));

    // The lab's peers, each holding a file of its own, all with the same two seconds left: written
    // in one statement, as 10 000 registrations would take longer than the TTL a test can wait for.
    TrackerApi.await(db.query("""
        WITH lab AS (
          INSERT INTO peers (peer_id, name, address, token_hash, expires_at)
          SELECT gen_random_uuid(), 'storm-' || i, 'http://10.1.' || (i / 250) || '.' || mod(i, 250) || ':7000',
            sha256(('storm-token-' || i)::bytea), now() + interval '2 seconds'
          FROM generate_series(1, %d) i
          RETURNING peer_id, name
        ), loads AS (
          INSERT INTO peer_load (peer_id) SELECT peer_id FROM lab
        ), catalogued AS (
          INSERT INTO files (sha256, name, size)
          SELECT encode(sha256(name::bytea), 'hex'), name || '.bin', 1 FROM lab
        )
        INSERT INTO holdings (peer_id, sha256, name, size)
        SELECT peer_id, encode(sha256(name::bytea), 'hex'), name || '.bin', 1 FROM lab""".formatted(STORM)).execute());
    String stormFile = TrackerApi.await(db.query("SELECT encode(sha256('storm-1'::bytea), 'hex') AS sha").execute())
        .iterator().next().getString("sha");

    long deadline = System.nanoTime() + 45_000_000_000L;
    int lookups = 0;
    int lookupsDuringSweep = 0;
    long slowest = 0;
    long left = STORM;
    while (left > 0) {
      assertThat(System.nanoTime()).as("all %d swept within 45 s; %d left", STORM, left).isLessThan(deadline);
      // A hit (from memory) and, once the lab has expired, a miss that asks PostgreSQL.
      for (String sha256 : List.of(survivorFile, stormFile)) {
        long started = System.nanoTime();
        HttpResponse<Buffer> answer = api.get("/api/v1/files/" + sha256);
        long millis = (System.nanoTime() - started) / 1_000_000;
        slowest = Math.max(slowest, millis);
        lookups++;
        assertThat(millis).as("lookup %d of %s took", lookups, sha256).isLessThan(LOOKUP_BOUND_MILLIS);
        if (sha256.equals(survivorFile)) {
          assertThat(answer.statusCode()).isEqualTo(200);
          assertThat(answer.bodyAsJsonObject().getJsonArray("holders").getJsonObject(0).getString("peerId"))
              .isEqualTo(survivor.peerId());
        } else {
          assertThat(answer.statusCode()).isIn(200, 404);
        }
      }
      long stillThere = TrackerApi.await(db.query("SELECT count(*) AS n FROM peers WHERE name LIKE 'storm-%'").execute())
          .iterator().next().getLong("n");
      if (stillThere < STORM && stillThere > 0) {
        lookupsDuringSweep++;
      }
      left = stillThere;
      Thread.sleep(10);
    }
    assertThat(lookupsDuringSweep).as("rounds of lookups while the sweep was half-way").isPositive();

    while (announced.size() < STORM) {
      assertThat(System.nanoTime()).as("all expiries announced; %d heard", announced.size()).isLessThan(deadline);
      Thread.sleep(100);
    }
    assertThat(api.get("/api/v1/files/" + stormFile).statusCode()).isEqualTo(404);
    assertThat(api.get("/api/v1/peers/" + survivor.peerId()).statusCode()).isEqualTo(200);
    System.out.printf("expiry storm: %d lookups, slowest %d ms, %d rounds during the sweep%n", lookups, slowest, lookupsDuringSweep);
  }
}
