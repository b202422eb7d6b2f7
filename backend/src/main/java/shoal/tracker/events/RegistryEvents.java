package shoal.tracker.events;

import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

/**
 * Announces every registry change on the event bus address {@code shoal.events}, after it has
 * been committed. Each event is a JSON object whose {@code type} names the change.
 */
public final class RegistryEvents {

  public static final String ADDRESS = "shoal.events";

  public static final String PEER_JOINED = "peer.joined";
  public static final String PEER_LEFT = "peer.left";
  public static final String PEER_EXPIRED = "peer.expired";
  public static final String FILES_CHANGED = "files.changed";
  public static final String TRANSFER_STARTED = "transfer.started";
  public static final String TRANSFER_PROGRESS = "transfer.progress";
  public static final String TRANSFER_COMPLETED = "transfer.completed";
  public static final String TRANSFER_FAILED = "transfer.failed";

  private final EventBus eventBus;

  public RegistryEvents(EventBus eventBus) {
    this.eventBus = eventBus;
  }

  /** Publishes {@code body} with {@code type} added. */
  public void publish(String type, JsonObject body) {
    eventBus.publish(ADDRESS, body.copy().put("type", type));
  }
}
