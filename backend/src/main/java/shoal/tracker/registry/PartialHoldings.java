package shoal.tracker.registry;

import static shoal.tracker.registry.RegistryQueries.*;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import shoal.common.http.ApiError;
import shoal.tracker.db.Transactions;
import shoal.tracker.events.RegistryEvents;

/**
 * Partial holders: peers that serve the verified pieces of a file they are still downloading, so
 * that downloaders fetching in pieces may use them (the balancer reads their records, migration
 * V11). A peer keeps one record per file, replaced by each report and gone when it withdraws it,
 * leaves or expires. Lookups and the read model do not see them: a partial holder is no holder.
 */
public final class PartialHoldings {

  /** The most pieces a file may be cut into: 2^27, a bitfield of 16 MiB. */
  public static final int MAX_PIECE_COUNT = 134_217_728;

  /**
   * Files one peer may report in part at once. A peer downloads a handful of files at a time, so
   * this only stops a hostile one from growing the registry without end; together with
   * {@link #MAX_PIECES_PER_PEER} it bounds a peer's bitfields to 16 MiB.
   */
  public static final int MAX_PARTIALS_PER_PEER = 1_000;

  /** Pieces of all of one peer's partial records together: as many as one file may have. */
  public static final long MAX_PIECES_PER_PEER = MAX_PIECE_COUNT;

  private final Pool pool;
  private final RegistryEvents events;

  public PartialHoldings(Pool pool, RegistryEvents events) {
    this.pool = pool;
    this.events = events;
  }

  /**
   * Makes {@code holding} the peer's record of the file, or removes the record when the peer has
   * no verified piece; 400 when the record would take the peer past its limits, and nothing changes.
   */
  public Future<Void> announce(UUID peerId, PartialHolding holding) {
    if (holding.have() == 0) {
      return withdraw(peerId, holding.file().sha256());
    }
    FileEntry file = holding.file();
    // With the peer locked, as its holdings are written: a departure waits or has made it unknown,
    // and two reports of one peer are counted against its limits one after the other.
    return Transactions.run(pool, conn -> conn.preparedQuery(LOCK_PEERS_TO_WRITE)
            .execute(Tuple.tuple().addArrayOfUUID(new UUID[] {peerId}))
            .compose(locked -> locked.size() == 0 ? Future.failedFuture(PeerRegistry.unknownPeer())
                : conn.preparedQuery(UPSERT_PARTIAL).execute(Tuple.of(peerId, file.sha256(), file.name(), file.size(),
                    holding.pieceCount(), Buffer.buffer(holding.pieces()), holding.have())))
            .compose(upserted -> conn.preparedQuery(PARTIALS_OF_PEER).execute(Tuple.of(peerId)))
            .map(rows -> rows.iterator().next())
            .compose(peer -> withinLimits(peer).map(new PartialHolder(peerId, peer.getString("name"),
                peer.getString("address"), file, holding.pieceCount(), holding.have()))))
        .map(holder -> {
          events.publish(RegistryEvents.PARTIAL_UPDATED, holder.toJson());
          return null;
        });
  }

  /** Removes the peer's record of the file, if it has one. */
  public Future<Void> withdraw(UUID peerId, String sha256) {
    return pool.preparedQuery(DELETE_PARTIAL).execute(Tuple.of(peerId, sha256)).map(rows -> {
      if (rows.rowCount() > 0) {
        events.publish(RegistryEvents.PARTIAL_REMOVED, new JsonObject().put("peerId", peerId.toString()).put("sha256", sha256));
      }
      return null;
    });
  }

  /** Live peers' records, the newest report first; of one file when {@code sha256} is not null. */
  public Future<List<PartialHolder>> list(String sha256, int limit, int offset) {
    Future<RowSet<Row>> rows = sha256 == null
        ? pool.preparedQuery(LIST_PARTIALS).execute(Tuple.of(limit, offset))
        : pool.preparedQuery(LIST_PARTIALS_OF_FILE).execute(Tuple.of(sha256, limit, offset));
    return rows.map(found -> {
      List<PartialHolder> holders = new ArrayList<>(found.size());
      found.forEach(row -> holders.add(new PartialHolder(row.getUUID("peer_id"), row.getString("peer_name"),
          row.getString("address"), new FileEntry(row.getString("sha256"), row.getString("name"), row.getLong("size")),
          row.getInteger("piece_count"), row.getInteger("have"))));
      return holders;
    });
  }

  /** Fails, and so rolls the report back, when the peer's records went past a limit. */
  private static Future<Void> withinLimits(Row peer) {
    long records = peer.getLong("records");
    long pieces = peer.getLong("pieces");
    if (records <= MAX_PARTIALS_PER_PEER && pieces <= MAX_PIECES_PER_PEER) {
      return Future.succeededFuture();
    }
    return Future.failedFuture(ApiError.invalidRequest("A peer may report at most " + MAX_PARTIALS_PER_PEER
        + " partly downloaded files, with " + MAX_PIECES_PER_PEER + " pieces between them, and this report would "
        + "bring it to " + records + " files and " + pieces + " pieces; nothing was changed. Withdraw the files it "
        + "no longer downloads with DELETE /api/v1/peers/{peerId}/partials/{sha256}."));
  }
}
