package shoal.tracker.registry;

import static shoal.tracker.registry.RegistryQueries.*;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import shoal.common.http.ApiError;
import shoal.common.transfer.FailureReason;
import shoal.tracker.db.Transactions;
import shoal.tracker.events.RegistryEvents;
import shoal.tracker.metrics.TrackerMetrics;

/**
 * Transfers between peers: started with the least-loaded holder, followed by the downloader's
 * progress reports, finished by it as complete (it becomes a holder) or failed.
 */
public final class TransferLedger {

  private static final Logger LOG = LoggerFactory.getLogger(TransferLedger.class);

  private final Pool pool;
  private final Pool reads;
  private final PeerRegistry peers;
  private final PartialHoldings partials;
  private final RegistryEvents events;
  private final ReadModel memory;
  private final OwnCommits commits;
  private final LeastLoadedBalancer balancer;
  private final TrackerMetrics metrics;

  /**
   * @param reads the pool for lock-free reads (see {@code RegistryPool})
   * @param partials where a completed download's partial record is withdrawn
   * @param memory answers "not available", and who the downloader is, without PostgreSQL while it is current
   * @param commits told of the loads and holdings each transfer changes
   * @param metrics counts the transfers that end here, the bytes reported, and the balancer's choices
   */
  public TransferLedger(Pool pool, Pool reads, PeerRegistry peers, PartialHoldings partials, RegistryEvents events,
      ReadModel memory, OwnCommits commits, TrackerMetrics metrics) {
    this.pool = pool;
    this.reads = reads;
    this.peers = peers;
    this.partials = partials;
    this.events = events;
    this.memory = memory;
    this.commits = commits;
    this.metrics = metrics;
    this.balancer = new LeastLoadedBalancer(pool, commits, events, metrics);
  }

  /**
   * Starts a transfer of {@code sha256} to the peer owning {@code token}, from the least-loaded
   * holder other than it and {@code excluded}; with {@code pieces} (the downloader fetches in
   * verified pieces) from a partial holder too, when the file can be had whole. 404
   * {@code not_available} at once when there is none.
   */
  public Future<TransferLease> start(String token, String sha256, Collection<UUID> excluded, boolean pieces) {
    if (token == null) {
      return Future.failedFuture(PeerTokens.missing());
    }
    Buffer tokenHash = PeerTokens.hash(token);
    PeerRegistry.PeerIdentity known = memory.downloader(tokenHash);
    // The model knows whole holders only. When it is sure there is none, a downloader in pieces
    // may still be given a partial holder, which PostgreSQL knows of.
    boolean noHolder = known != null && memory.surelyUnavailable(known.peerId(), sha256, excluded);
    if (noHolder && !pieces) {
      return Future.failedFuture(FileCatalog.notAvailable());
    }
    Future<PeerRegistry.PeerIdentity> downloader = known != null && !noHolder
        ? Future.succeededFuture(known)
        : checkFirst(tokenHash, sha256, excluded, pieces);
    return downloader
        .compose(identity -> balancer.start(sha256, identity, excluded, pieces))
        .compose(started -> started.map(Future::succeededFuture).orElseGet(() -> Future.failedFuture(FileCatalog.notAvailable())));
  }

  /**
   * Who asks, and whether anybody else holds the file (with {@code pieces}, or holds it in part),
   * read without locks on the read pool, for when the read model cannot tell: "not available"
   * never waits behind starts queueing for a busy holder.
   */
  private Future<PeerRegistry.PeerIdentity> checkFirst(Buffer tokenHash, String sha256, Collection<UUID> excluded,
      boolean pieces) {
    return reads.preparedQuery(DOWNLOADER_AND_ANY_SOURCE)
        .execute(Tuple.of(tokenHash, sha256, excluded.toArray(UUID[]::new), pieces))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(PeerRegistry.unregisteredToken());
          }
          Row row = rows.iterator().next();
          return row.getBoolean("found")
              ? Future.succeededFuture(new PeerRegistry.PeerIdentity(row.getUUID("peer_id"), row.getString("name")))
              : Future.failedFuture(FileCatalog.notAvailable());
        });
  }

  public Future<Void> progress(UUID transferId, String token, long bytes) {
    return downloadersTransfer(transferId, token).compose(transfer -> {
      if (bytes > transfer.size()) {
        return Future.failedFuture(beyondSize(bytes, transfer));
      }
      if (!Transfer.ACTIVE.equals(transfer.state())) {
        return Future.failedFuture(finished(transfer.state()));
      }
      // A transfer's progress only grows: a report below the last one changes nothing, so a
      // downloader cannot count the same bytes twice by going down and up again.
      return pool.preparedQuery(UPDATE_PROGRESS).execute(Tuple.of(transferId, bytes)).map(rows -> {
        rows.forEach(row -> {
          long now = row.getLong("bytes");
          metrics.bytesMoved(now - row.getLong("previous"));
          events.publish(RegistryEvents.TRANSFER_PROGRESS, new JsonObject()
              .put("transferId", transferId.toString()).put("sha256", transfer.sha256())
              .put("bytes", now).put("size", transfer.size()));
        });
        return null;
      });
    });
  }

  /**
   * Marks the transfer complete and makes the downloader a holder; its source is credited with
   * {@code supplied} bytes, or the whole file when absent. Repeating it is harmless (the first
   * figure stays).
   */
  public Future<Void> complete(UUID transferId, String token, OptionalLong supplied) {
    return downloadersTransfer(transferId, token).compose(transfer -> {
      long reported = supplied.orElse(transfer.size());
      if (reported > transfer.size()) {
        return Future.failedFuture(beyondSize(reported, transfer));
      }
      if (Transfer.COMPLETED.equals(transfer.state())) {
        return Future.succeededFuture();
      }
      UUID[] peersInvolved = Stream.of(transfer.from(), transfer.to()).filter(Objects::nonNull).toArray(UUID[]::new);
      return Transactions.run(pool, tx -> tx.preparedQuery(LOCK_PEERS_OF_TRANSFER).execute(Tuple.tuple().addArrayOfUUID(peersInvolved))
              .compose(locked -> lockForEnd(tx, transferId, Transfer.COMPLETED))
              .compose(ending -> ending.repeated() ? Future.succeededFuture(ending) : tx.preparedQuery(COMPLETE_TRANSFER)
                  .execute(Tuple.of(transferId, ending.credited(reported)))
                  .compose(rows -> {
                    Row row = rows.iterator().next();
                    UUID source = row.getUUID("source_id");
                    Future<?> credited = source == null
                        ? Future.succeededFuture()
                        : tx.preparedQuery(ADD_SERVED_BYTES).execute(Tuple.of(source, row.getLong("bytes")));
                    return credited.compose(done -> tx.preparedQuery(UPSERT_HOLDINGS).execute(Tuple.of(
                        row.getUUID("downloader_id"),
                        new String[] {row.getString("sha256")},
                        new String[] {row.getString("name")},
                        new Long[] {row.getLong("size")})));
                  })
                  .compose(done -> releaseUpload(tx, ending))
                  // Bytes of an active transfer were counted as active until now; an abandoned
                  // one's were added to the totals when it was abandoned, and it ends with the rest.
                  .compose(done -> TransferTotals.add(tx, transferId, 1,
                      ending.wasActive() ? ending.credited(reported) : ending.credited(reported) - ending.bytes()))
                  .map(ending)))
          .compose(ending -> ending.repeated() ? Future.succeededFuture(ending) : Future.all(
                  // The source's load went down, the downloader holds one more file.
                  commits.changed(Stream.of(transfer.from()).filter(Objects::nonNull).toList(), false),
                  transfer.to() == null ? Future.succeededFuture() : commits.heldFile(transfer.to(), transfer.sha256()),
                  transfer.to() == null ? Future.succeededFuture() : noLongerPartial(transfer.to(), transfer.sha256()))
              .map(ending))
          .map(ending -> {
            if (!ending.repeated()) {
              metrics.transferEnded(TrackerMetrics.Outcome.COMPLETED, 1);
              // What progress reports had not counted yet.
              metrics.bytesMoved(ending.credited(reported) - ending.bytes());
              events.publish(RegistryEvents.TRANSFER_COMPLETED, transfer.toJson()
                  .put("state", Transfer.COMPLETED).put("bytes", ending.credited(reported)));
              events.publish(RegistryEvents.FILES_CHANGED, new JsonObject().put("peerId", transfer.to().toString()));
            }
            return null;
          });
    });
  }

  /**
   * Withdraws the partial record of a file the downloader now holds whole, if it kept one. After
   * the completion has committed, and never failing it: a record left behind is harmless, since a
   * peer holding the file whole is never given out as a partial holder of it (migration V11), and
   * it goes when the peer withdraws it or leaves.
   */
  private Future<Void> noLongerPartial(UUID downloader, String sha256) {
    return partials.withdraw(downloader, sha256).recover(failure -> {
      LOG.warn("could not withdraw the partial record of {} by {}: {}", sha256, downloader, failure.getMessage());
      return Future.succeededFuture();
    });
  }

  /**
   * Marks the transfer failed for {@code reason}; the downloader does not become a holder.
   * Repeating it is harmless (the first reason stays).
   */
  public Future<Void> fail(UUID transferId, String token, FailureReason reason) {
    return downloadersTransfer(transferId, token).compose(transfer -> {
      if (Transfer.FAILED.equals(transfer.state())) {
        return Future.succeededFuture();
      }
      return Transactions.run(pool, tx -> lockForEnd(tx, transferId, Transfer.FAILED)
              .compose(ending -> ending.repeated() ? Future.succeededFuture(ending) : tx.preparedQuery(FAIL_TRANSFER)
                  .execute(Tuple.of(transferId, reason.code()))
                  .compose(done -> releaseUpload(tx, ending))
                  // An abandoned transfer's bytes are in the totals already.
                  .compose(done -> TransferTotals.add(tx, transferId, 0, ending.wasActive() ? ending.bytes() : 0))
                  .map(ending)))
          .compose(ending -> ending.releases() == null ? Future.succeededFuture(ending)
              : commits.changed(List.of(ending.releases()), false).map(ending))
          .map(ending -> {
            if (!ending.repeated()) {
              metrics.transferEnded(TrackerMetrics.Outcome.FAILED, 1);
              events.publish(RegistryEvents.TRANSFER_FAILED, transfer.toJson()
                  .put("state", Transfer.FAILED).put("reason", reason.code()).put("reasonText", reason.sentence()));
            }
            return null;
          });
    });
  }

  /**
   * Locks the transfer to end it as {@code end}: 409 {@code transfer_finished} when it already
   * ended otherwise. Read under the lock, so that of several concurrent ends exactly one finds the
   * transfer active and releases its source's load.
   */
  private static Future<Ending> lockForEnd(SqlConnection tx, UUID transferId, String end) {
    return tx.preparedQuery(LOCK_TRANSFER).execute(Tuple.of(transferId)).compose(rows -> {
      Row row = rows.iterator().next();
      String state = row.getString("state");
      if (end.equals(state)) {
        return Future.succeededFuture(new Ending(true, false, null, 0));
      }
      if (!Transfer.ACTIVE.equals(state) && !Transfer.ABANDONED.equals(state)) {
        return Future.failedFuture(finished(state));
      }
      boolean active = Transfer.ACTIVE.equals(state);
      return Future.succeededFuture(new Ending(false, active, active ? row.getUUID("source_id") : null, row.getLong("bytes")));
    });
  }

  /** Takes the ended transfer off its source's load; followed only by the totals. */
  private static Future<Void> releaseUpload(SqlConnection tx, Ending ending) {
    return ending.releases() == null
        ? Future.succeededFuture()
        : tx.preparedQuery(RELEASE_UPLOAD).execute(Tuple.of(ending.releases())).mapEmpty();
  }

  /**
   * How a transfer's end goes: {@code repeated} when it had already ended that way;
   * {@code wasActive} false when it had been abandoned; {@code releases} the source it was loading
   * (null when it was abandoned, or its source is gone); {@code bytes} as it was locked.
   */
  private record Ending(boolean repeated, boolean wasActive, UUID releases, long bytes) {

    /**
     * The bytes a completion credits when the downloader reports {@code reported}: never fewer
     * than its progress reports made count already. Those are in {@code bytesTransferred}, a
     * counter that must not go back, and an abandoned transfer's are in a stripe of the totals
     * this completion does not take, so they could not be taken back without one going negative.
     */
    long credited(long reported) {
      return Math.max(reported, bytes);
    }
  }

  /** Newest first; {@code state} null for every state. */
  public Future<List<Transfer>> list(String state, int limit, int offset) {
    return pool.preparedQuery(LIST_TRANSFERS).execute(Tuple.of(state, limit, offset)).map(rows -> {
      List<Transfer> transfers = new ArrayList<>(rows.size());
      rows.forEach(row -> transfers.add(transfer(row)));
      return transfers;
    });
  }

  /**
   * The transfer, once {@code token} is shown to be its downloader's: 404 {@code unknown_transfer},
   * 404 {@code unknown_peer} when the downloader has left or expired, 401 without a token, 403 for
   * another's.
   */
  private Future<Transfer> downloadersTransfer(UUID transferId, String token) {
    return pool.preparedQuery(TRANSFER_WITH_DOWNLOADER_TOKEN).execute(Tuple.of(transferId)).map(rows -> {
      if (rows.size() == 0) {
        throw ApiError.notFound("unknown_transfer", "No transfer has the id " + transferId + ".");
      }
      Row row = rows.iterator().next();
      Buffer downloaderTokenHash = row.getBuffer("token_hash");
      if (downloaderTokenHash == null) {
        throw PeerRegistry.unknownPeer();
      }
      PeerTokens.check(token, downloaderTokenHash, "Only the downloading peer may report on this transfer.");
      return transfer(row);
    });
  }

  private static ApiError beyondSize(long bytes, Transfer transfer) {
    return ApiError.invalidRequest("bytes (" + bytes + ") cannot exceed the file's size (" + transfer.size() + ").");
  }

  private static ApiError finished(String state) {
    return ApiError.conflict("transfer_finished", "This transfer is already " + state + ".");
  }

  private static Transfer transfer(Row row) {
    return new Transfer(
        row.getUUID("transfer_id"),
        row.getString("sha256"),
        row.getString("name"),
        row.getLong("size"),
        row.getUUID("source_id"),
        row.getString("source_name"),
        row.getUUID("downloader_id"),
        row.getString("downloader_name"),
        row.getLong("bytes"),
        row.getString("state"),
        row.getString("reason"),
        row.getOffsetDateTime("started_at").toInstant());
  }
}
