package shoal.tracker.events;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Announces every registry change, after it has been committed, as a JSON object whose
 * {@code type} names the change. Events travel through PostgreSQL ({@code NOTIFY}) so that every
 * tracker sharing the database — not only the one that made the change — relays them to its
 * event bus address {@code shoal.events} (see {@link EventRelay}).
 */
public final class RegistryEvents {

  public static final String ADDRESS = "shoal.events";
  static final String CHANNEL = "shoal_events";

  public static final String PEER_JOINED = "peer.joined";
  public static final String PEER_LEFT = "peer.left";
  public static final String PEER_EXPIRED = "peer.expired";
  public static final String FILES_CHANGED = "files.changed";
  public static final String TRANSFER_STARTED = "transfer.started";
  public static final String TRANSFER_PROGRESS = "transfer.progress";
  public static final String TRANSFER_COMPLETED = "transfer.completed";
  public static final String TRANSFER_FAILED = "transfer.failed";
  public static final String PARTIAL_UPDATED = "partial.updated";
  public static final String PARTIAL_REMOVED = "partial.removed";

  private static final Logger LOG = LoggerFactory.getLogger(RegistryEvents.class);
  private static final String NOTIFY = "SELECT pg_notify($1, $2)";
  private static final String NOTIFY_ALL = "SELECT pg_notify($1, event) FROM unnest($2::text[]) AS event";

  private final Pool pool;

  public RegistryEvents(Pool pool) {
    this.pool = pool;
  }

  /**
   * Publishes {@code body} with {@code type} added. Best effort: the change is already committed,
   * and a dashboard that missed an event catches up from the REST snapshot when it reconnects.
   */
  public void publish(String type, JsonObject body) {
    String event = body.copy().put("type", type).encode();
    pool.preparedQuery(NOTIFY).execute(Tuple.of(CHANNEL, event))
        .onFailure(failure -> LOG.warn("could not publish {}: {}", type, failure.getMessage()));
  }

  /** As {@link #publish}, for several changes of one type, in order, in one statement. */
  public void publishAll(String type, List<JsonObject> bodies) {
    if (bodies.size() == 1) {
      publish(type, bodies.get(0));
      return;
    }
    String[] events = bodies.stream().map(body -> body.copy().put("type", type).encode()).toArray(String[]::new);
    pool.preparedQuery(NOTIFY_ALL).execute(Tuple.of(CHANNEL).addArrayOfString(events))
        .onFailure(failure -> LOG.warn("could not publish {} {} events: {}", events.length, type, failure.getMessage()));
  }
}
