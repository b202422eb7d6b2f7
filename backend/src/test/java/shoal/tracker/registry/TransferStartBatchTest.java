package shoal.tracker.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static shoal.tracker.testing.TrackerApi.file;
import static shoal.tracker.testing.TrackerApi.sha;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import shoal.tracker.db.DatabaseTimeouts;
import shoal.tracker.db.DatabaseUrl;
import shoal.tracker.db.RegistryPool;
import shoal.tracker.testing.TrackerApi;
import shoal.tracker.testing.TrackerApi.Peer;
import shoal.tracker.testing.TrackerExtension;

/**
 * One call of {@code start_transfers} (migrations V9 and V11) with starts that each end differently: every
 * start is answered on its own, and the starts of a batch spread over the holders as if they had
 * come one after another.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
@DisplayName("Transfer starts sent as one batch")
class TransferStartBatchTest {

  @RegisterExtension
  static final TrackerExtension tracker = new TrackerExtension();

  private TrackerApi api;
  private Pool pool;

  @BeforeEach
  void connect(Vertx vertx) {
    api = tracker.api(vertx);
    pool = RegistryPool.create(vertx, DatabaseUrl.parse(tracker.tracker().config().dbUrl()), DatabaseTimeouts.DEFAULTS);
  }

  @AfterEach
  void close() {
    TrackerApi.await(pool.close());
  }

  @Test
  @DisplayName("a batch spreads its starts over the holders, and answers a missing file, an excluded holder and a departed downloader one by one")
  void eachStartOfABatchIsAnsweredOnItsOwn() {
    String album = sha("batch-album");
    String single = sha("batch-single");
    Peer a = api.register("batch-a", List.of(file(album, "album.flac", 1_000), file(single, "single.flac", 10)));
    Peer b = api.register("batch-b", List.of(file(album, "album.flac", 1_000)));
    List<Peer> downloaders = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      downloaders.add(api.register("batch-downloader-" + i, List.of()));
    }
    UUID departed = UUID.randomUUID();

    List<Start> batch = List.of(
        new Start(album, downloaders.get(0), null),
        new Start(album, downloaders.get(1), null),
        new Start(sha("batch-nobody-has-it"), downloaders.get(2), null),
        new Start(single, downloaders.get(2), a.peerId()),
        new Start(album, departed, "gone"),
        new Start(album, downloaders.get(2), null),
        new Start(album, downloaders.get(3), null));
    Map<Integer, Row> rows = run(batch);

    assertThat(rows).hasSize(batch.size());
    assertThat(outcomes(rows)).containsExactly("started", "started", "unavailable", "unavailable", "unregistered", "started", "started");
    // Four starts of one file over two idle holders: two each, as four requests one after another get.
    Map<String, Integer> bySource = new HashMap<>();
    for (int item : List.of(1, 2, 6, 7)) {
      bySource.merge(rows.get(item).getUUID("source_id").toString(), 1, Integer::sum);
      assertThat(rows.get(item).getString("name")).isEqualTo("album.flac");
      assertThat(rows.get(item).getLong("size")).isEqualTo(1_000L);
    }
    assertThat(bySource).containsOnly(Map.entry(a.peerId(), 2), Map.entry(b.peerId(), 2));
    assertThat(rows.get(1).getString("address")).isNotBlank();

    // What was written: four transfers, and the loads that the listing and the next choice read.
    Row written = TrackerApi.await(pool.query("""
        SELECT (SELECT count(*) FROM transfers WHERE sha256 IN ('%s', '%s')) AS transfers,
               (SELECT active_uploads FROM peer_load WHERE peer_id = '%s') AS load_a,
               (SELECT active_uploads FROM peer_load WHERE peer_id = '%s') AS load_b""".formatted(album, single, a.peerId(), b.peerId()))
        .execute()).iterator().next();
    assertThat(written.getLong("transfers")).isEqualTo(4L);
    assertThat(written.getInteger("load_a")).isEqualTo(2);
    assertThat(written.getInteger("load_b")).isEqualTo(2);
    assertThat(api.get("/api/v1/transfers?state=active").bodyAsJsonArray().stream()
        .map(JsonObject.class::cast).filter(transfer -> album.equals(transfer.getString("sha256")))).hasSize(4);
  }

  @Test
  @DisplayName("a start in a later batch goes to the holder the earlier batch left least loaded")
  void aLaterBatchFollowsTheLoadsAnEarlierOneLeft() {
    String film = sha("batch-film");
    Peer x = api.register("batch-x", List.of(file(film, "film.mkv", 5_000)));
    Peer y = api.register("batch-y", List.of(file(film, "film.mkv", 5_000)));
    Peer first = api.register("batch-first", List.of());
    Peer second = api.register("batch-second", List.of());
    Peer third = api.register("batch-third", List.of());

    // y is excluded from the first: x takes it, and the next two go to y, then to either.
    Map<Integer, Row> earlier = run(List.of(new Start(film, first, y.peerId())));
    assertThat(earlier.get(1).getUUID("source_id").toString()).isEqualTo(x.peerId());
    Map<Integer, Row> later = run(List.of(new Start(film, second, null), new Start(film, third, null)));
    assertThat(later.get(1).getUUID("source_id").toString()).isEqualTo(y.peerId());
    assertThat(List.of(later.get(1).getUUID("source_id").toString(), later.get(2).getUUID("source_id").toString()))
        .containsExactlyInAnyOrder(x.peerId(), y.peerId());
  }

  @Test
  @DisplayName("a start that waited for another's lock on its only holder still starts from it once the lock is released")
  void aStartThatWaitedForItsHolderStillUsesIt() throws InterruptedException {
    String game = sha("batch-game");
    Peer held = api.register("batch-held", List.of(file(game, "game.zip", 700)));
    Peer downloader = api.register("batch-waiter", List.of(file(game, "game.zip", 700)));
    Peer second = api.register("batch-excluded-1", List.of(file(game, "game.zip", 700)));
    Peer third = api.register("batch-excluded-2", List.of(file(game, "game.zip", 700)));
    SqlConnection other = TrackerApi.await(pool.getConnection());
    try {
      // Another start's transaction, between choosing the holder and its commit: the row is updated.
      TrackerApi.await(other.query("BEGIN").execute());
      TrackerApi.await(other.query("UPDATE peers SET times_chosen = times_chosen + 1 WHERE peer_id = '" + held.peerId() + "'").execute());
      Future<RowSet<Row>> waiting = pool.preparedQuery(RegistryQueries.START_TRANSFERS).execute(arguments(List.of(
          new Start(game, UUID.fromString(downloader.peerId()), downloader.name(),
              List.of(UUID.fromString(second.peerId()), UUID.fromString(third.peerId()))))));
      Thread.sleep(300);
      assertThat(waiting.isComplete()).as("waits for the lock").isFalse();
      TrackerApi.await(other.query("COMMIT").execute());

      Row row = TrackerApi.await(waiting).iterator().next();
      assertThat(row.getString("outcome")).isEqualTo("started");
      assertThat(row.getUUID("source_id").toString()).isEqualTo(held.peerId());
    } finally {
      TrackerApi.await(other.close());
    }
  }

  private Map<Integer, Row> run(List<Start> batch) {
    Map<Integer, Row> rows = new HashMap<>();
    TrackerApi.await(pool.preparedQuery(RegistryQueries.START_TRANSFERS).execute(arguments(batch)))
        .forEach(row -> rows.put(row.getInteger("item"), row));
    return rows;
  }

  private static Tuple arguments(List<Start> batch) {
    List<UUID> transferIds = new ArrayList<>();
    List<String> wanted = new ArrayList<>();
    List<UUID> downloaders = new ArrayList<>();
    List<String> names = new ArrayList<>();
    List<Integer> excludedItems = new ArrayList<>();
    List<UUID> excludedPeers = new ArrayList<>();
    for (int i = 0; i < batch.size(); i++) {
      Start start = batch.get(i);
      transferIds.add(UUID.randomUUID());
      wanted.add(start.sha256());
      downloaders.add(start.downloader());
      names.add(start.downloaderName());
      for (UUID excluded : start.excluded()) {
        excludedItems.add(i + 1);
        excludedPeers.add(excluded);
      }
    }
    return Tuple.tuple()
        .addArrayOfUUID(transferIds.toArray(UUID[]::new))
        .addArrayOfString(wanted.toArray(String[]::new))
        .addArrayOfUUID(downloaders.toArray(UUID[]::new))
        .addArrayOfString(names.toArray(String[]::new))
        .addArrayOfInteger(excludedItems.toArray(Integer[]::new))
        .addArrayOfUUID(excludedPeers.toArray(UUID[]::new))
        // Whole-file downloaders all: partial holders are PartialSourcesTest's.
        .addArrayOfBoolean(batch.stream().map(start -> false).toArray(Boolean[]::new));
  }

  private static List<String> outcomes(Map<Integer, Row> rows) {
    List<String> outcomes = new ArrayList<>();
    for (int item = 1; item <= rows.size(); item++) {
      outcomes.add(rows.get(item).getString("outcome"));
    }
    return outcomes;
  }

  private record Start(String sha256, UUID downloader, String downloaderName, List<UUID> excluded) {

    Start(String sha256, Peer downloader, String excluded) {
      this(sha256, UUID.fromString(downloader.peerId()), downloader.name(),
          excluded == null ? List.of() : List.of(UUID.fromString(excluded)));
    }

    Start(String sha256, UUID downloader, String downloaderName) {
      this(sha256, downloader, downloaderName, List.of());
    }
  }
}
