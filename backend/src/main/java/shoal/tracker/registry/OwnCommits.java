package shoal.tracker.registry;

import io.vertx.core.Future;
import java.util.Collection;
import java.util.UUID;

/**
 * What this tracker tells its read model after it commits a change, so that its own next answer
 * already shows the change: a peer that left here is never offered here again. The futures never
 * fail: the change is committed whatever the model makes of it.
 */
public interface OwnCommits {

  /** For trackers that read from PostgreSQL only, and for the sweeps (notifications tell of theirs). */
  OwnCommits NONE = new OwnCommits() {
    @Override
    public Future<Void> changed(Collection<UUID> peers, boolean holdings) {
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> heldFile(UUID peer, String sha256) {
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> left(Collection<UUID> peers) {
      return Future.succeededFuture();
    }
  };

  /** The peers' rows changed (expiry, load), and with {@code holdings} what they hold too. */
  Future<Void> changed(Collection<UUID> peers, boolean holdings);

  /**
   * The peer's holding of one file came, went or changed, and nothing else it holds: the model
   * reads that holding again, not all of them.
   */
  Future<Void> heldFile(UUID peer, String sha256);

  /** The peers are gone. */
  Future<Void> left(Collection<UUID> peers);
}
