package shoal.tracker.registry;

import static shoal.tracker.registry.RegistryQueries.START_TRANSFERS;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import shoal.tracker.db.Transactions;
import shoal.tracker.events.RegistryEvents;
import shoal.tracker.metrics.TrackerMetrics;

/**
 * Starts transfers from the holder each downloader should fetch from: fewest active uploads, then
 * chosen fewest times, then chosen longest ago; for a downloader that fetches in verified pieces,
 * partial holders compete on the same terms. The choice, the transfer's row and the source's
 * load are one call of {@code start_transfers} (migrations V8, V9 and V11 say how), its own
 * transaction: it locks the candidates until it commits, so concurrent requests, from any tracker
 * process, spread over the holders instead of all landing on the same idle one.
 *
 * <p>Starts are batched: at most {@value #CALLS_IN_FLIGHT} calls run at once, and the starts that
 * arrive meanwhile go together in the next one, up to {@value #MAX_BATCH}. An idle tracker sends
 * each start at once; a busy one shares each round trip, commit, model update and event
 * statement among many. Small batches, several at a time: a batch locks every holder of every
 * file it starts, so large ones overlap and queue for each other's locks, while several small
 * ones mostly lock disjoint holders and run side by side (with 10 000 peers and 64 downloaders,
 * 4 × 16 started about 3 500 a second where 2 × 64 started 2 700). One instance per HTTP
 * verticle, used on its context only.
 */
final class LeastLoadedBalancer {

  static final int CALLS_IN_FLIGHT = 4;
  static final int MAX_BATCH = 16;

  private final Pool pool;
  private final OwnCommits commits;
  private final RegistryEvents events;
  private final TrackerMetrics metrics;
  private List<Start> waiting = new ArrayList<>();
  private int inFlight;

  /**
   * @param commits told of the sources whose load each batch raised, before its starts are answered
   * @param events where each started transfer is announced ({@code transfer.started})
   * @param metrics counts each choice, by the kind of source chosen
   */
  LeastLoadedBalancer(Pool pool, OwnCommits commits, RegistryEvents events, TrackerMetrics metrics) {
    this.pool = pool;
    this.commits = commits;
    this.events = events;
    this.metrics = metrics;
  }

  /**
   * The started transfer and its source; empty when nobody but the downloader and {@code excluded}
   * holds the file (with {@code pieces}, a partial holder counts when the file can be had whole),
   * and nothing was written. Fails with 401 {@code unregistered} when the downloader left before
   * the start ran.
   */
  Future<Optional<TransferLease>> start(String sha256, PeerRegistry.PeerIdentity downloader, Collection<UUID> excluded,
      boolean pieces) {
    Start start = new Start(UUID.randomUUID(), sha256, downloader, List.copyOf(excluded), pieces, Promise.promise());
    waiting.add(start);
    sendNext();
    return start.result.future();
  }

  private void sendNext() {
    if (inFlight >= CALLS_IN_FLIGHT || waiting.isEmpty()) {
      return;
    }
    List<Start> batch;
    if (waiting.size() <= MAX_BATCH) {
      batch = waiting;
      waiting = new ArrayList<>();
    } else {
      batch = new ArrayList<>(waiting.subList(0, MAX_BATCH));
      waiting = new ArrayList<>(waiting.subList(MAX_BATCH, waiting.size()));
    }
    inFlight++;
    Tuple arguments = arguments(batch);
    Transactions.runAlone(() -> pool.preparedQuery(START_TRANSFERS).execute(arguments))
        .compose(rows -> answered(batch, rows))
        .onComplete(done -> {
          if (done.failed()) {
            batch.forEach(start -> start.result.tryFail(done.cause()));
          }
          inFlight--;
          sendNext();
        });
    sendNext();
  }

  private static Tuple arguments(List<Start> batch) {
    UUID[] transferIds = new UUID[batch.size()];
    String[] wanted = new String[batch.size()];
    UUID[] downloaders = new UUID[batch.size()];
    String[] downloaderNames = new String[batch.size()];
    Boolean[] inPieces = new Boolean[batch.size()];
    List<Integer> excludedItems = new ArrayList<>();
    List<UUID> excludedPeers = new ArrayList<>();
    for (int i = 0; i < batch.size(); i++) {
      Start start = batch.get(i);
      transferIds[i] = start.transferId;
      wanted[i] = start.sha256;
      downloaders[i] = start.downloader.peerId();
      downloaderNames[i] = start.downloader.name();
      inPieces[i] = start.pieces;
      for (UUID peer : start.excluded) {
        excludedItems.add(i + 1);
        excludedPeers.add(peer);
      }
    }
    return Tuple.tuple()
        .addArrayOfUUID(transferIds)
        .addArrayOfString(wanted)
        .addArrayOfUUID(downloaders)
        .addArrayOfString(downloaderNames)
        .addArrayOfInteger(excludedItems.toArray(Integer[]::new))
        .addArrayOfUUID(excludedPeers.toArray(UUID[]::new))
        .addArrayOfBoolean(inPieces);
  }

  /** Shows the batch's loads in the read model and announces its transfers, then answers each start. */
  private Future<Void> answered(List<Start> batch, RowSet<Row> rows) {
    Map<Integer, Row> byItem = new HashMap<>();
    rows.forEach(row -> byItem.put(row.getInteger("item"), row));
    TransferLease[] leases = new TransferLease[batch.size()];
    List<JsonObject> started = new ArrayList<>();
    Set<UUID> sources = new LinkedHashSet<>();
    for (int i = 0; i < batch.size(); i++) {
      Start start = batch.get(i);
      Row row = byItem.get(i + 1);
      switch (row == null ? "unavailable" : row.getString("outcome")) {
        case "started" -> {
          leases[i] = start.lease(row);
          started.add(leases[i].transfer().toJson());
          sources.add(leases[i].source().peerId());
          metrics.sourceChosen(leases[i].partial());
        }
        case "unregistered" -> start.result.tryFail(PeerRegistry.unregisteredToken());
        default -> start.result.tryComplete(Optional.empty());
      }
    }
    if (started.isEmpty()) {
      return Future.succeededFuture();
    }
    events.publishAll(RegistryEvents.TRANSFER_STARTED, started);
    return commits.changed(sources, false).onComplete(shown -> {
      for (int i = 0; i < batch.size(); i++) {
        if (leases[i] != null) {
          batch.get(i).result.tryComplete(Optional.of(leases[i]));
        }
      }
    });
  }

  /** One request's start, answered through {@code result}. */
  private record Start(UUID transferId, String sha256, PeerRegistry.PeerIdentity downloader, List<UUID> excluded,
      boolean pieces, Promise<Optional<TransferLease>> result) {

    TransferLease lease(Row row) {
      Holder source = new Holder(row.getUUID("source_id"), row.getString("source_name"), row.getString("address"), 0,
          row.getLong("size"));
      Transfer transfer = new Transfer(transferId, sha256, row.getString("name"), source.size(), source.peerId(),
          source.name(), downloader.peerId(), downloader.name(), 0, Transfer.ACTIVE, null,
          row.getOffsetDateTime("started_at").toInstant());
      return new TransferLease(transfer, source, row.getBoolean("partial"));
    }
  }
}
