package shoal.tracker.readmodel;

import static shoal.tracker.readmodel.ReadModelQueries.*;

import io.vertx.core.Future;
import io.vertx.sqlclient.Cursor;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import shoal.tracker.readmodel.Rows.HoldingRow;
import shoal.tracker.readmodel.Rows.PeerRow;

/** Reads peers and holdings for the read model, each load in one snapshot. */
final class RegistryLoader {

  /** Holdings read per round trip of a full load: it never holds the whole table at once. */
  private static final int FETCH = 10_000;

  private final Pool pool;

  RegistryLoader(Pool pool) {
    this.pool = pool;
  }

  /**
   * Some peers' rows (those missing are gone), every holding of {@code holdingsOf}, and of
   * {@code files} the holdings named (those missing are gone).
   */
  Future<Loaded> load(Collection<UUID> peers, Collection<UUID> holdingsOf, Map<UUID, Set<String>> files) {
    long started = System.nanoTime();
    return pool.withTransaction(conn -> conn.query(SNAPSHOT).execute()
        .compose(set -> conn.preparedQuery(PEERS_BY_ID).execute(Tuple.tuple().addArrayOfUUID(peers.toArray(UUID[]::new))))
        .compose(peerRows -> {
          List<PeerRow> loadedPeers = new ArrayList<>(peerRows.size());
          peerRows.forEach(row -> loadedPeers.add(PeerRow.of(row, started)));
          return holdings(conn, holdingsOf).compose(whole -> singleHoldings(conn, files)
              .map(single -> new Loaded(loadedPeers, whole, single)));
        }));
  }

  private static Future<List<HoldingRow>> holdings(SqlConnection conn, Collection<UUID> holdingsOf) {
    if (holdingsOf.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return conn.preparedQuery(HOLDINGS_OF_PEERS).execute(Tuple.tuple().addArrayOfUUID(holdingsOf.toArray(UUID[]::new)))
        .map(RegistryLoader::holdingRows);
  }

  private static Future<List<HoldingRow>> singleHoldings(SqlConnection conn, Map<UUID, Set<String>> files) {
    if (files.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    List<UUID> peers = new ArrayList<>();
    List<String> hashes = new ArrayList<>();
    files.forEach((peer, shas) -> shas.forEach(sha256 -> {
      peers.add(peer);
      hashes.add(sha256);
    }));
    return conn.preparedQuery(HOLDINGS_BY_PEER_AND_FILE)
        .execute(Tuple.tuple().addArrayOfUUID(peers.toArray(UUID[]::new)).addArrayOfString(hashes.toArray(String[]::new)))
        .map(RegistryLoader::holdingRows);
  }

  private static List<HoldingRow> holdingRows(RowSet<Row> rows) {
    List<HoldingRow> holdings = new ArrayList<>(rows.size());
    rows.forEach(row -> holdings.add(HoldingRow.of(row)));
    return holdings;
  }

  /** Every peer, then every holding, streamed to the consumers. */
  Future<Void> loadAll(Consumer<PeerRow> peers, Consumer<HoldingRow> holdings) {
    long started = System.nanoTime();
    return pool.withTransaction(conn -> conn.query(SNAPSHOT).execute()
        .compose(set -> conn.query(ALL_PEERS).execute())
        .compose(peerRows -> {
          peerRows.forEach(row -> peers.accept(PeerRow.of(row, started)));
          return conn.prepare(ALL_HOLDINGS);
        })
        .compose(statement -> readAll(conn, statement.cursor(), holdings)));
  }

  private static Future<Void> readAll(SqlConnection conn, Cursor cursor, Consumer<HoldingRow> holdings) {
    return cursor.read(FETCH).compose(rows -> {
      for (Row row : rows) {
        holdings.accept(HoldingRow.of(row));
      }
      return cursor.hasMore() ? readAll(conn, cursor, holdings) : cursor.close();
    });
  }

  /** What one load found: {@code holdings} of the peers read whole, {@code singleHoldings} of the files named. */
  record Loaded(List<PeerRow> peers, List<HoldingRow> holdings, List<HoldingRow> singleHoldings) {}
}
