package shoal.tracker.registry;

import static shoal.tracker.registry.RegistryQueries.*;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.Collection;
import java.util.Optional;
import java.util.UUID;

/**
 * Picks the holder a downloader should fetch from: fewest active uploads, then chosen fewest
 * times, then chosen longest ago. Runs inside the caller's transaction and locks the candidates
 * until it commits, so concurrent requests, from any tracker process, spread over the holders
 * instead of all landing on the same idle one.
 */
final class LeastLoadedBalancer {

  private LeastLoadedBalancer() {}

  /** The chosen holder, with its own name and size for the file; empty when nobody else holds it. */
  static Future<Optional<Choice>> choose(SqlConnection tx, String sha256, UUID downloader, Collection<UUID> excluded) {
    return tx.preparedQuery(LOCK_CANDIDATES)
        .execute(Tuple.of(sha256, downloader, excluded.toArray(UUID[]::new)))
        .compose(locked -> {
          if (locked.size() == 0) {
            return Future.succeededFuture(Optional.<Choice>empty());
          }
          UUID[] candidates = new UUID[locked.size()];
          int i = 0;
          for (Row row : locked) {
            candidates[i++] = row.getUUID("peer_id");
          }
          return tx.preparedQuery(LEAST_LOADED_CANDIDATE).execute(Tuple.of(sha256).addArrayOfUUID(candidates))
              .compose(chosenRows -> {
                Row row = chosenRows.iterator().next();
                Choice choice = new Choice(
                    new Holder(row.getUUID("peer_id"), row.getString("peer_name"), row.getString("address"), 0, row.getLong("size")),
                    row.getString("name"));
                return tx.preparedQuery(MARK_CHOSEN).execute(Tuple.of(choice.holder().peerId()))
                    .map(marked -> Optional.of(choice));
              });
        });
  }

  /** The chosen holder (its {@code size} its own for the file) and its name for the file. */
  record Choice(Holder holder, String fileName) {}
}
