package shoal.tracker.readmodel;

import static org.assertj.core.api.Assertions.assertThat;
import static shoal.tracker.testing.TrackerApi.file;
import static shoal.tracker.testing.TrackerApi.sha;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import shoal.tracker.db.DatabaseUrl;
import shoal.tracker.testing.TrackerApi;
import shoal.tracker.testing.TrackerApi.Peer;
import shoal.tracker.testing.TrackerExtension;

/**
 * Two trackers on one database answer lookups and searches from memory, and agree: each sees the
 * other's registrations, leaves, expiries and transfers within a second, recovers from a lost
 * LISTEN connection, and never offers a peer that left through it.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("Lookups and searches from memory agree across trackers")
class ReadModelConsistencyTest {

  private static final Duration TTL = Duration.ofSeconds(3);
  private static final Duration WITHIN = Duration.ofSeconds(1);

  @RegisterExtension
  static final TrackerExtension twins = TrackerExtension.withTwin(Duration.ofMillis(500), TTL);

  private TrackerApi first;
  private TrackerApi second;

  @BeforeEach
  void connect(Vertx vertx) {
    first = twins.api(vertx);
    second = twins.twinApi(vertx);
    assertThat(eventually(Duration.ofSeconds(10), () -> readModelCurrent(first) && readModelCurrent(second)))
        .as("both read models load at start").isTrue();
  }

  @Test
  @DisplayName("registrations, leaves, expiries and transfers through either tracker give identical answers from both within a second")
  void twoTrackersAgree() throws InterruptedException {
    String shared = sha("agree-shared"), onlyFirst = sha("agree-first"), onlySecond = sha("agree-second"), silentFile = sha("agree-silent");
    String carolsOwn = sha("agree-carol");
    Peer alice = first.register("agree-alice", List.of(file(shared, "agree shared.txt", 10), file(onlyFirst, "agree first.txt", 20)));
    Peer bob = second.register("agree-bob", List.of(file(shared, "agree shared.txt", 10), file(onlySecond, "agree second.txt", 30)));
    Peer carol = second.register("agree-carol", List.of(file(carolsOwn, "agree carol.txt", 7)));
    Peer dave = first.register("agree-dave", List.of(file(onlyFirst, "agree first.txt", 20)));
    long silentRegistered = System.nanoTime();
    second.register("agree-silent", List.of(file(silentFile, "agree silent.txt", 5)));

    // carol downloads onlyFirst through the first tracker and completes it through the second: she
    // holds it now, besides what she held (the trackers read that one holding again, not all of hers).
    String completed = first.startTransfer(carol, onlyFirst).bodyAsJsonObject().getString("transferId");
    assertThat(second.post("/api/v1/transfers/" + completed + "/complete", carol.token(), null).statusCode()).isEqualTo(200);
    // bob starts onlyFirst through the second tracker, not from dave, who leaves next: its source is
    // loaded with one upload on both.
    String active = second.post("/api/v1/transfers", bob.token(), new JsonObject().put("sha256", onlyFirst)
        .put("exclude", List.of(dave.peerId()))).bodyAsJsonObject().getString("transferId");
    assertThat(active).isNotNull();
    // dave leaves through the second tracker.
    assertThat(second.delete("/api/v1/peers/" + dave.peerId(), dave.token()).statusCode()).isEqualTo(204);

    List<String> hashes = List.of(shared, onlyFirst, onlySecond, silentFile, carolsOwn);
    // Both agree within a second, and on the end state: the transfer's load has reached them too.
    assertThat(eventually(WITHIN, () -> sameAnswers(hashes) && first.get("/api/v1/files/" + onlyFirst).bodyAsJsonObject()
        .getJsonArray("holders").stream().mapToLong(h -> ((JsonObject) h).getLong("activeUploads")).sum() == 1))
        .as("both trackers agree within a second").isTrue();
    JsonArray firstHolders = first.get("/api/v1/files/" + onlyFirst).bodyAsJsonObject().getJsonArray("holders");
    assertThat(firstHolders.stream().map(h -> ((JsonObject) h).getString("peerId")))
        .containsExactlyInAnyOrder(alice.peerId(), carol.peerId());
    assertThat(firstHolders.stream().mapToLong(h -> ((JsonObject) h).getLong("activeUploads")).sum()).isEqualTo(1);
    assertThat(second.get("/api/v1/files?q=agree").bodyAsJsonArray()).hasSize(5);
    for (TrackerApi api : List.of(first, second)) {
      assertThat(api.get("/api/v1/files/" + carolsOwn).bodyAsJsonObject().getJsonArray("holders").stream()
          .map(h -> ((JsonObject) h).getString("peerId"))).containsExactly(carol.peerId());
    }

    // Heartbeats through one tracker keep a peer alive on the other; the silent peer expires on both.
    long expiresBy = silentRegistered + TTL.toNanos();
    while (System.nanoTime() - expiresBy < 0) {
      assertThat(second.post("/api/v1/peers/" + alice.peerId() + "/heartbeat", alice.token(), null).statusCode()).isEqualTo(200);
      assertThat(first.post("/api/v1/peers/" + bob.peerId() + "/heartbeat", bob.token(), null).statusCode()).isEqualTo(200);
      assertThat(first.post("/api/v1/peers/" + carol.peerId() + "/heartbeat", carol.token(), null).statusCode()).isEqualTo(200);
      Thread.sleep(300);
    }
    for (TrackerApi api : List.of(first, second)) {
      assertThat(api.get("/api/v1/files/" + silentFile).statusCode()).as("an expired peer is never offered").isEqualTo(404);
      assertThat(api.get("/api/v1/files?q=agree%20silent").bodyAsJsonArray()).isEmpty();
      assertThat(api.get("/api/v1/files/" + shared).bodyAsJsonObject().getJsonArray("holders")).hasSize(2);
    }
    assertThat(eventually(WITHIN, () -> sameAnswers(hashes))).isTrue();
    assertThat(readModelCurrent(first) && readModelCurrent(second)).as("answered from memory").isTrue();
  }

  @Test
  @DisplayName("a lookup straight after a leave never returns the peer that left; the other tracker stops within a second")
  void leaveIsSeenAtOnce() {
    String held = sha("leave-at-once");
    // A holder that stays, so that lookups are hits answered from memory (a miss asks PostgreSQL).
    Peer stayer = first.register("leave-at-once-stayer", List.of(file(held, "leave at once.txt", 1)));
    for (int round = 0; round < 20; round++) {
      TrackerApi via = round % 2 == 0 ? first : second;
      TrackerApi other = via == first ? second : first;
      Peer leaver = via.register("leave-at-once-" + round, List.of(file(held, "leave at once.txt", 1)));
      assertThat(eventually(WITHIN, () -> holders(other, held).contains(leaver.peerId()))).isTrue();

      assertThat(via.delete("/api/v1/peers/" + leaver.peerId(), leaver.token()).statusCode()).isEqualTo(204);

      assertThat(holders(via, held)).as("round %d, straight after the leave", round).doesNotContain(leaver.peerId());
      assertThat(eventually(WITHIN, () -> !holders(other, held).contains(leaver.peerId()))).isTrue();
      assertThat(holders(via, held)).doesNotContain(leaver.peerId());
      if (round % 5 == 4) {
        assertThat(first.post("/api/v1/peers/" + stayer.peerId() + "/heartbeat", stayer.token(), null).statusCode()).isEqualTo(200);
      }
    }
    assertThat(holders(first, held)).containsExactly(stayer.peerId());
  }

  @Test
  @DisplayName("after its LISTEN connection is terminated, a tracker hears the other's changes again within two seconds")
  void recoversFromLostListener() throws SQLException {
    String before = sha("listener-before"), after = sha("listener-after");
    Peer early = second.register("listener-early", List.of(file(before, "listener before.txt", 1)));
    assertThat(eventually(WITHIN, () -> holders(first, before).contains(early.peerId()))).isTrue();

    assertThat(terminateListeners()).as("listening backends terminated").isEqualTo(2);
    second.register("listener-late", List.of(file(after, "listener after.txt", 1)));
    assertThat(second.delete("/api/v1/peers/" + early.peerId(), early.token()).statusCode()).isEqualTo(204);

    // Searches answer from memory alone while the model is current: what they find, memory holds.
    assertThat(eventually(Duration.ofSeconds(2), () -> readModelCurrent(first)
        && searchHolders(first, "listener after") == 1 && searchHolders(first, "listener before") == 0))
        .as("the changes made meanwhile reached the first tracker's memory").isTrue();
    // And notifications flow on the new connection.
    second.register("listener-latest", List.of(file(before, "listener before.txt", 1)));
    assertThat(eventually(WITHIN, () -> searchHolders(first, "listener before") == 1)).isTrue();
    assertThat(readModelCurrent(first)).isTrue();
  }

  private boolean sameAnswers(List<String> hashes) {
    for (String hash : hashes) {
      if (!answer(first, "/api/v1/files/" + hash).equals(answer(second, "/api/v1/files/" + hash))) {
        return false;
      }
    }
    return answer(first, "/api/v1/files?q=agree").equals(answer(second, "/api/v1/files?q=agree"))
        && answer(first, "/api/v1/files?limit=500").equals(answer(second, "/api/v1/files?limit=500"));
  }

  private static String answer(TrackerApi api, String path) {
    HttpResponse<Buffer> response = api.get(path);
    return response.statusCode() + " " + response.bodyAsString();
  }

  private static List<String> holders(TrackerApi api, String sha256) {
    HttpResponse<Buffer> response = api.get("/api/v1/files/" + sha256);
    if (response.statusCode() == 404) {
      return List.of();
    }
    return response.bodyAsJsonObject().getJsonArray("holders").stream().map(h -> ((JsonObject) h).getString("peerId")).toList();
  }

  /** Holders of the one file a search finds, 0 when it finds none. */
  private static long searchHolders(TrackerApi api, String text) {
    JsonArray hits = api.get("/api/v1/files?q=" + text.replace(" ", "%20")).bodyAsJsonArray();
    return hits.isEmpty() ? 0 : hits.getJsonObject(0).getLong("holders");
  }

  private static boolean readModelCurrent(TrackerApi api) {
    return "current".equals(api.get("/health").bodyAsJsonObject().getString("readModel"));
  }

  private static int terminateListeners() throws SQLException {
    DatabaseUrl url = DatabaseUrl.parse(twins.tracker().config().dbUrl());
    try (Connection connection = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            + "WHERE datname = current_database() AND application_name = '" + ReadModelVerticle.APPLICATION_NAME + "'")) {
      rows.next();
      return rows.getInt(1);
    }
  }

  private static boolean eventually(Duration within, BooleanSupplier condition) {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      if (condition.getAsBoolean()) {
        return true;
      }
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }
}
