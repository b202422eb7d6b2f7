package shoal.tracker.registry;

import static shoal.tracker.registry.RegistryQueries.*;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import shoal.common.http.ApiError;
import shoal.tracker.db.Transactions;
import shoal.tracker.events.RegistryEvents;
import shoal.tracker.metrics.TrackerMetrics;

/** Peers and what they hold: joining, reporting files, staying alive, leaving, expiring. */
public final class PeerRegistry {

  /**
   * Files one peer may hold. A registration brings at most 10 000, but further reports could add
   * without end and let one peer fill the catalogue; 100 000 is ten times the largest
   * registration and still a few tens of MB of rows.
   */
  public static final int MAX_FILES_PER_PEER = 100_000;

  /** Expired peers removed per {@link #removeExpired()} call; keeps each transaction short. */
  static final int EXPIRY_BATCH = 500;

  private final Pool pool;
  private final RegistryEvents events;
  private final double ttlSeconds;
  private final OwnCommits commits;
  private final TrackerMetrics metrics;

  /**
   * @param commits told of every change this registry commits, before its caller hears of it
   * @param metrics counts the transfers a departure abandons
   */
  public PeerRegistry(Pool pool, RegistryEvents events, Duration peerTtl, OwnCommits commits, TrackerMetrics metrics) {
    this.pool = pool;
    this.events = events;
    this.ttlSeconds = peerTtl.toMillis() / 1000.0;
    this.commits = commits;
    this.metrics = metrics;
  }

  public Future<Registration> register(String name, String address, List<FileEntry> files) {
    UUID peerId = UUID.randomUUID();
    String token = PeerTokens.newToken();
    return Transactions.run(pool, conn -> conn.preparedQuery(INSERT_PEER)
            .execute(Tuple.of(peerId, name, address, PeerTokens.hash(token), ttlSeconds))
            .compose(inserted -> upsertHoldings(conn, peerId, files)))
        .compose(done -> commits.changed(List.of(peerId), true))
        .map(done -> {
          events.publish(RegistryEvents.PEER_JOINED, new JsonObject()
              .put("peerId", peerId.toString()).put("name", name).put("address", address).put("files", files.size()));
          return new Registration(peerId, token);
        });
  }

  /** Makes {@code files} the peer's whole list. */
  public Future<Void> replaceFiles(UUID peerId, List<FileEntry> files) {
    return changeFiles(peerId, conn -> conn.preparedQuery(DELETE_HOLDINGS).execute(Tuple.of(peerId))
        .compose(deleted -> upsertHoldings(conn, peerId, files)));
  }

  /** Adds {@code files} to the peer's list (a file it already holds takes the new name). */
  public Future<Void> addFiles(UUID peerId, List<FileEntry> files) {
    return changeFiles(peerId, conn -> upsertHoldings(conn, peerId, files));
  }

  /**
   * Applies {@code change} to the peer's holdings with the peer locked (a departure of the same
   * peer waits, or has already made it unknown), and announces the new count.
   */
  private Future<Void> changeFiles(UUID peerId, Function<SqlConnection, Future<Void>> change) {
    return Transactions.run(pool, conn -> conn.preparedQuery(LOCK_PEERS_TO_WRITE)
            .execute(Tuple.tuple().addArrayOfUUID(new UUID[] {peerId}))
            .compose(locked -> locked.size() == 0 ? Future.failedFuture(unknownPeer()) : change.apply(conn))
            .compose(changed -> conn.preparedQuery(COUNT_HOLDINGS).execute(Tuple.of(peerId)))
            .map(rows -> rows.iterator().next().getLong("files"))
            // Counted inside the transaction, with the peer locked: a refusal rolls the whole report back.
            .compose(files -> files > MAX_FILES_PER_PEER ? Future.failedFuture(tooManyFiles(files)) : Future.succeededFuture(files)))
        .compose(files -> commits.changed(List.of(peerId), true).map(files))
        .map(files -> {
          events.publish(RegistryEvents.FILES_CHANGED, new JsonObject().put("peerId", peerId.toString()).put("files", files));
          return null;
        });
  }

  public Future<Void> heartbeat(UUID peerId) {
    return pool.preparedQuery(HEARTBEAT).execute(Tuple.of(peerId, ttlSeconds)).compose(rows -> rows.rowCount() == 0
        ? Future.failedFuture(unknownPeer())
        : commits.changed(List.of(peerId), false));
  }

  /** Deletes the peer and everything it holds; its unfinished transfers are abandoned. */
  public Future<Void> leave(UUID peerId) {
    return Transactions.run(pool, conn -> conn.preparedQuery(LOCK_PEERS_TO_DELETE).execute(Tuple.tuple().addArrayOfUUID(new UUID[] {peerId}))
            .compose(locked -> depart(conn, List.of(peerId), Transfer.PEER_LEFT)))
        .map(this::counted)
        .compose(departed -> commits.left(List.of(peerId)).map(departed))
        .map(departed -> {
          if (departed.isEmpty()) {
            throw unknownPeer();
          }
          departed.forEach(peer -> events.publish(RegistryEvents.PEER_LEFT, peer));
          return null;
        });
  }

  /**
   * Removes peers whose TTL has passed, at most one batch per call. Safe to run on several
   * trackers at once: each expired peer is removed, and announced, by exactly one of them.
   *
   * @return how many peers were removed
   */
  public Future<Integer> removeExpired() {
    return Transactions.run(pool, conn -> conn.preparedQuery(LOCK_EXPIRED_PEERS).execute(Tuple.of(EXPIRY_BATCH)).compose(rows -> {
          List<UUID> expired = new ArrayList<>();
          rows.forEach(row -> expired.add(row.getUUID("peer_id")));
          return expired.isEmpty() ? Future.succeededFuture(Departure.NONE) : depart(conn, expired, Transfer.PEER_EXPIRED);
        }))
        .map(this::counted)
        .map(departed -> {
          departed.forEach(peer -> events.publish(RegistryEvents.PEER_EXPIRED, peer));
          return departed.size();
        });
  }

  private Future<Departure> depart(SqlConnection conn, List<UUID> peerIds, String reason) {
    UUID[] ids = peerIds.toArray(UUID[]::new);
    int[] abandonedTransfers = {0};
    return conn.preparedQuery(LOCK_TRANSFERS_OF_PEERS).execute(Tuple.tuple().addArrayOfUUID(ids)).compose(locked -> {
          // The active ones are about to be abandoned: their bytes move from active into the totals.
          // Summed exactly: a peer may have many active transfers of files up to 2^53-1 bytes.
          BigInteger abandonedBytes = BigInteger.ZERO;
          for (Row row : locked) {
            if (Transfer.ACTIVE.equals(row.getString("state"))) {
              abandonedBytes = abandonedBytes.add(BigInteger.valueOf(row.getLong("bytes")));
              abandonedTransfers[0]++;
            }
          }
          BigInteger addedToTotals = abandonedBytes;
          return conn.preparedQuery(RELEASE_UPLOADS_TO_PEERS).execute(Tuple.tuple().addArrayOfUUID(ids))
              .compose(released -> conn.preparedQuery(DETACH_TRANSFERS_OF_PEERS).execute(Tuple.of(ids, reason)))
              .compose(abandoned -> conn.preparedQuery(DELETE_PEERS).execute(Tuple.tuple().addArrayOfUUID(ids)))
              .compose(rows -> TransferTotals.add(conn, ids[0], 0, addedToTotals).map(rows));
        })
        .map(rows -> {
          List<JsonObject> departed = new ArrayList<>();
          rows.forEach(row -> departed.add(new JsonObject()
              .put("peerId", row.getUUID("peer_id").toString()).put("name", row.getString("name"))));
          return new Departure(departed, abandonedTransfers[0]);
        });
  }

  /** Counts a committed departure's abandoned transfers (never a rolled-back attempt's); answers the peers that left. */
  private List<JsonObject> counted(Departure departure) {
    metrics.transferEnded(TrackerMetrics.Outcome.ABANDONED, departure.abandonedTransfers());
    return departure.peers();
  }

  /** The peers a departure removed, and how many active transfers it abandoned with them. */
  private record Departure(List<JsonObject> peers, int abandonedTransfers) {
    static final Departure NONE = new Departure(List.of(), 0);
  }

  /**
   * Checks that {@code token} is the live peer {@code peerId}'s: 404 {@code unknown_peer} when
   * the peer is unknown or expired (checked first), 401 without a token, 403 when the token is
   * another's.
   */
  public Future<Void> authenticate(UUID peerId, String token) {
    return pool.preparedQuery(LIVE_PEER_TOKEN_HASH).execute(Tuple.of(peerId)).map(rows -> {
      if (rows.size() == 0) {
        throw unknownPeer();
      }
      PeerTokens.check(token, rows.iterator().next().getBuffer("token_hash"), "This token belongs to another peer.");
      return null;
    });
  }

  static ApiError unregisteredToken() {
    return ApiError.unauthorized("This token belongs to no registered peer; register again.");
  }

  public Future<List<PeerSummary>> list(int limit, int offset) {
    return pool.preparedQuery(LIST_PEERS).execute(Tuple.of(limit, offset)).map(rows -> {
      List<PeerSummary> peers = new ArrayList<>(rows.size());
      rows.forEach(row -> peers.add(peerSummary(row)));
      return peers;
    });
  }

  /** The peer with its whole file list; 404 {@code unknown_peer}. */
  public Future<PeerDetails> get(UUID peerId) {
    return Transactions.run(pool, conn -> conn.preparedQuery(GET_PEER).execute(Tuple.of(peerId)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.failedFuture(unknownPeer());
      }
      PeerSummary summary = peerSummary(rows.iterator().next());
      return conn.preparedQuery(PEER_FILES).execute(Tuple.of(peerId)).map(fileRows -> {
        List<FileEntry> files = new ArrayList<>(fileRows.size());
        fileRows.forEach(row -> files.add(new FileEntry(row.getString("sha256"), row.getString("name"), row.getLong("size"))));
        return new PeerDetails(summary, files);
      });
    }));
  }

  private static ApiError tooManyFiles(long files) {
    return ApiError.invalidRequest("A peer may hold at most " + MAX_FILES_PER_PEER + " files, and this report would "
        + "bring it to " + files + "; nothing was changed. Share fewer files, or split them among several peers.");
  }

  public static ApiError unknownPeer() {
    return ApiError.notFound("unknown_peer", "No such peer is registered (it may have left or expired); register again.");
  }

  private static Future<Void> upsertHoldings(SqlConnection conn, UUID peerId, List<FileEntry> files) {
    if (files.isEmpty()) {
      return Future.succeededFuture();
    }
    String[] hashes = new String[files.size()];
    String[] names = new String[files.size()];
    Long[] sizes = new Long[files.size()];
    for (int i = 0; i < files.size(); i++) {
      hashes[i] = files.get(i).sha256();
      names[i] = files.get(i).name();
      sizes[i] = files.get(i).size();
    }
    return conn.preparedQuery(UPSERT_HOLDINGS).execute(Tuple.of(peerId, hashes, names, sizes)).mapEmpty();
  }

  private static PeerSummary peerSummary(Row row) {
    return new PeerSummary(
        row.getUUID("peer_id"),
        row.getString("name"),
        row.getString("address"),
        row.getLong("files"),
        row.getLong("active_uploads"),
        row.getLong("served_total"),
        row.getOffsetDateTime("last_seen").toInstant());
  }

  /** Who a bearer token belongs to. */
  public record PeerIdentity(UUID peerId, String name) {}

  /** A peer with its whole file list. */
  public record PeerDetails(PeerSummary summary, List<FileEntry> files) {

    public JsonObject toJson() {
      return summary.toJson().put("files", new JsonArray(files.stream().map(FileEntry::toJson).toList()));
    }
  }
}
