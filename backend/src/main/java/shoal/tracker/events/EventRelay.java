package shoal.tracker.events;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.pubsub.PgSubscriber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import shoal.tracker.TrackerConfig;
import shoal.tracker.db.DatabaseUrl;

/**
 * Listens to the registry's PostgreSQL channel and republishes each event on this tracker's event
 * bus, where the dashboard's SockJS bridge picks it up. Reconnects by itself after an outage.
 */
public final class EventRelay extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(EventRelay.class);
  private static final long RECONNECT_DELAY_MILLIS = 1_000;

  private PgSubscriber subscriber;

  @Override
  public Future<?> start() {
    TrackerConfig config = TrackerConfig.fromJson(config());
    subscriber = PgSubscriber.subscriber(vertx, DatabaseUrl.parse(config.dbUrl()).connectOptions())
        .reconnectPolicy(retries -> RECONNECT_DELAY_MILLIS);
    subscriber.channel(RegistryEvents.CHANNEL).handler(this::relay);
    return subscriber.connect();
  }

  @Override
  public Future<?> stop() {
    return subscriber.close();
  }

  private void relay(String payload) {
    try {
      vertx.eventBus().publish(RegistryEvents.ADDRESS, new JsonObject(payload));
    } catch (RuntimeException e) {
      LOG.warn("dropped an unreadable event: {}", e.getMessage());
    }
  }
}
