package shoal.tracker.readmodel;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Collection;
import java.util.UUID;
import shoal.tracker.registry.OwnCommits;

/**
 * Tells {@link ReadModelVerticle} of a change this tracker committed, over the local event bus,
 * and completes, on the caller's context, once the model shows it. Never fails: a model that does
 * not answer is not current either, and every read then goes to PostgreSQL.
 */
public final class EventBusCommits implements OwnCommits {

  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true).setSendTimeout(10_000);

  private final Vertx vertx;

  public EventBusCommits(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public Future<Void> changed(Collection<UUID> peers, boolean holdings) {
    return tell(peers, holdings, false);
  }

  @Override
  public Future<Void> heldFile(UUID peer, String sha256) {
    return tell(new JsonObject().put("peers", new JsonArray().add(peer.toString())).put("file", sha256));
  }

  @Override
  public Future<Void> left(Collection<UUID> peers) {
    return tell(peers, true, true);
  }

  private Future<Void> tell(Collection<UUID> peers, boolean holdings, boolean left) {
    if (peers.isEmpty()) {
      return Future.succeededFuture();
    }
    return tell(new JsonObject()
        .put("peers", new JsonArray(peers.stream().map(UUID::toString).toList()))
        .put("holdings", holdings)
        .put("left", left));
  }

  private Future<Void> tell(JsonObject change) {
    return vertx.eventBus().request(ReadModelVerticle.ADDRESS, change, LOCAL).<Void>mapEmpty().otherwiseEmpty();
  }
}
