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
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import shoal.tracker.Tracker;
import shoal.tracker.db.DatabaseTimeouts;
import shoal.tracker.db.DatabaseUrl;
import shoal.tracker.db.RegistryPool;
import shoal.tracker.testing.TestTrackers;
import shoal.tracker.testing.TrackerApi;
import shoal.tracker.testing.TrackerApi.Peer;

/**
 * A database that makes requests wait — a row lock held elsewhere, a statement that does not end —
 * costs a client a bounded wait and a sentence naming the cause, never a hang or "cannot reach".
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
@DisplayName("Bounded waits on a busy registry")
class BoundedWaitTest {

  private static final Duration LOCK_TIMEOUT = Duration.ofMillis(500);
  private static final DatabaseTimeouts SHORT_LOCKS =
      new DatabaseTimeouts(Duration.ofSeconds(5), LOCK_TIMEOUT, Duration.ofSeconds(10));

  @Test
  @DisplayName("every registry connection runs with the configured statement, lock and idle-in-transaction timeouts")
  void connectionsCarryTheTimeouts(Vertx vertx) {
    try (Tracker tracker = TestTrackers.start(config -> config.withDbTimeouts(SHORT_LOCKS))) {
      Pool pool = RegistryPool.create(vertx, DatabaseUrl.parse(tracker.config().dbUrl()), tracker.config().dbTimeouts());
      try {
        assertThat(show(pool, "statement_timeout")).isEqualTo("5s");
        assertThat(show(pool, "lock_timeout")).isEqualTo("500ms");
        assertThat(show(pool, "idle_in_transaction_session_timeout")).isEqualTo("10s");
      } finally {
        pool.close();
      }
    }
  }

  @Test
  @DisplayName("a peer row locked elsewhere: its writes answer 503 busy naming the lock after a few tries, reads are not held up")
  void heldLockAnswersBusyWithTheCause(Vertx vertx) throws Exception {
    try (Tracker tracker = TestTrackers.start(config -> config.withDbTimeouts(SHORT_LOCKS))) {
      TrackerApi api = new TrackerApi(vertx, tracker.url());
      Peer peer = api.register("locked", List.of(file(sha("locked-file"), "locked.txt", 1)));
      String sentence = "The registry is busy: a lock could not be taken within 500 ms. Please try again.";

      try (Connection locker = lockPeer(tracker, peer)) {
        long started = System.nanoTime();
        HttpResponse<Buffer> replace = api.put("/api/v1/peers/" + peer.peerId() + "/files", peer.token(),
            new JsonObject().put("files", new JsonArray().add(file(sha("other"), "other.txt", 2))));
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertBusy(replace, sentence);
        // Retried, each time waiting out the lock timeout; and not much longer than that.
        assertThat(took).isBetween(LOCK_TIMEOUT.multipliedBy(3), Duration.ofSeconds(4));

        HttpResponse<Buffer> heartbeat = api.post("/api/v1/peers/" + peer.peerId() + "/heartbeat", peer.token(), null);
        assertBusy(heartbeat, sentence);

        assertThat(api.get("/api/v1/peers").statusCode()).isEqualTo(200);
        assertThat(api.get("/api/v1/files/" + sha("locked-file")).statusCode()).isEqualTo(200);
      }
      assertThat(api.post("/api/v1/peers/" + peer.peerId() + "/heartbeat", peer.token(), null).statusCode()).isEqualTo(200);
    }
  }

  @Test
  @DisplayName("a holder's row locked elsewhere: a transfer from it answers 503 busy naming the lock after a few tries, then starts once it is free")
  void transferFromALockedHolderAnswersBusy(Vertx vertx) throws Exception {
    try (Tracker tracker = TestTrackers.start(config -> config.withDbTimeouts(SHORT_LOCKS))) {
      TrackerApi api = new TrackerApi(vertx, tracker.url());
      String song = sha("locked-song");
      Peer holder = api.register("locked-holder", List.of(file(song, "song.ogg", 10)));
      Peer downloader = api.register("waiting-downloader", List.of());
      JsonObject request = new JsonObject().put("sha256", song);

      try (Connection locker = lockPeer(tracker, holder)) {
        long started = System.nanoTime();
        HttpResponse<Buffer> start = api.post("/api/v1/transfers", downloader.token(), request);
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertBusy(start, "The registry is busy: a lock could not be taken within 500 ms. Please try again.");
        assertThat(took).isBetween(LOCK_TIMEOUT.multipliedBy(3), Duration.ofSeconds(4));
        assertThat(api.get("/api/v1/files/" + song).statusCode()).isEqualTo(200);
      }
      HttpResponse<Buffer> start = api.post("/api/v1/transfers", downloader.token(), request);
      assertThat(start.statusCode()).as(start.bodyAsString()).isEqualTo(201);
      assertThat(api.get("/api/v1/peers/" + holder.peerId()).bodyAsJsonObject().getLong("activeUploads")).isEqualTo(1);
    }
  }

  @Test
  @DisplayName("a lock released soon after the lock timeout costs the client a retry, not an error")
  void briefLockIsRetriedThrough(Vertx vertx) throws Exception {
    try (Tracker tracker = TestTrackers.start(config -> config.withDbTimeouts(SHORT_LOCKS))) {
      TrackerApi api = new TrackerApi(vertx, tracker.url());
      Peer peer = api.register("briefly-locked", List.of());
      Connection locker = lockPeer(tracker, peer);
      CompletableFuture<Void> released = CompletableFuture.runAsync(() -> {
        try (locker) {
          Thread.sleep(LOCK_TIMEOUT.toMillis() + 250);
          locker.rollback();
        } catch (SQLException | InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
      long started = System.nanoTime();
      HttpResponse<Buffer> added = api.post("/api/v1/peers/" + peer.peerId() + "/files", peer.token(),
          new JsonObject().put("files", new JsonArray().add(file(sha("late"), "late.txt", 3))));
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      released.get(10, TimeUnit.SECONDS);

      assertThat(added.statusCode()).as(added.bodyAsString()).isEqualTo(200);
      assertThat(took).as("waited out the first lock timeout").isGreaterThan(LOCK_TIMEOUT);
      assertThat(api.get("/api/v1/peers/" + peer.peerId()).bodyAsJsonObject().getJsonArray("files")).hasSize(1);
    }
  }

  @Test
  @DisplayName("a statement past the statement timeout answers 503 busy saying the query took too long")
  void statementTimeoutAnswersBusyWithTheCause(Vertx vertx) throws Exception {
    DatabaseTimeouts shortStatements = new DatabaseTimeouts(Duration.ofMillis(400), Duration.ofSeconds(5), Duration.ofSeconds(10));
    try (Tracker tracker = TestTrackers.start(config -> config.withDbTimeouts(shortStatements))) {
      TrackerApi api = new TrackerApi(vertx, tracker.url());
      Peer peer = api.register("slow", List.of());
      try (Connection locker = lockPeer(tracker, peer)) {
        long started = System.nanoTime();
        HttpResponse<Buffer> heartbeat = api.post("/api/v1/peers/" + peer.peerId() + "/heartbeat", peer.token(), null);
        assertBusy(heartbeat, "The registry is busy: a query took longer than 400 ms and was stopped. Please try again.");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
      }
    }
  }

  private static void assertBusy(HttpResponse<Buffer> response, String sentence) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(503);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("busy");
    assertThat(response.bodyAsJsonObject().getString("message")).isEqualTo(sentence);
    assertThat(response.getHeader("Retry-After")).isNotBlank();
  }

  /** An open transaction of another client holding the peer's row, as a stuck writer would. */
  private static Connection lockPeer(Tracker tracker, Peer peer) throws SQLException {
    DatabaseUrl url = DatabaseUrl.parse(tracker.config().dbUrl());
    Connection connection = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
    connection.setAutoCommit(false);
    try (PreparedStatement lock = connection.prepareStatement("SELECT 1 FROM peers WHERE peer_id = ? FOR UPDATE")) {
      lock.setObject(1, UUID.fromString(peer.peerId()));
      assertThat(lock.executeQuery().next()).isTrue();
    }
    return connection;
  }

  private static String show(Pool pool, String setting) {
    Row row = TrackerApi.await(pool.query("SHOW " + setting).execute()).iterator().next();
    return row.getString(0);
  }
}
