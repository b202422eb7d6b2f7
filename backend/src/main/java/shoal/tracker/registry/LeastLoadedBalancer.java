package shoal.tracker.registry;

import static shoal.tracker.registry.RegistryQueries.START_TRANSFER;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import shoal.tracker.db.Transactions;

/**
 * Starts a transfer from the holder a downloader should fetch from: fewest active uploads, then
 * chosen fewest times, then chosen longest ago. The choice, the transfer's row and the source's
 * load are one statement ({@code start_transfer}, migration V8), its own transaction: it locks the
 * candidates until it commits, so concurrent requests, from any tracker process, spread over the
 * holders instead of all landing on the same idle one, and it costs a single round trip.
 */
final class LeastLoadedBalancer {

  private LeastLoadedBalancer() {}

  /** The started transfer and its source; empty when nobody else holds the file, and nothing was written. */
  static Future<Optional<TransferLease>> start(Pool pool, String sha256, PeerRegistry.PeerIdentity downloader,
      Collection<UUID> excluded) {
    UUID transferId = UUID.randomUUID();
    Tuple arguments = Tuple.tuple(List.of(transferId, sha256, downloader.peerId(), downloader.name()))
        .addArrayOfUUID(excluded.toArray(UUID[]::new));
    return Transactions.runAlone(() -> pool.preparedQuery(START_TRANSFER).execute(arguments)).map(rows -> {
      if (rows.size() == 0) {
        return Optional.empty();
      }
      Row row = rows.iterator().next();
      Holder source = new Holder(row.getUUID("source_id"), row.getString("source_name"), row.getString("address"), 0,
          row.getLong("size"));
      Transfer transfer = new Transfer(transferId, sha256, row.getString("name"), source.size(), source.peerId(),
          source.name(), downloader.peerId(), downloader.name(), 0, Transfer.ACTIVE, null,
          row.getOffsetDateTime("started_at").toInstant());
      return Optional.of(new TransferLease(transfer, source));
    });
  }
}
