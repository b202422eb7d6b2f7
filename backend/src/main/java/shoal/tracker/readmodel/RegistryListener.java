package shoal.tracker.readmodel;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection that LISTENs to the registry's channel, on the context that starts it. When it
 * drops (the database restarted, the backend was terminated, the network failed) it says so, and
 * connects again after 100 ms, doubling up to 5 s while that fails; each time it listens again it
 * says so too, and the read model reloads everything: whatever was committed meanwhile went
 * unheard.
 */
final class RegistryListener {

  private static final Logger LOG = LoggerFactory.getLogger(RegistryListener.class);
  private static final long FIRST_RETRY_MILLIS = 100;
  private static final long MAX_RETRY_MILLIS = 5_000;

  private final Vertx vertx;
  private final PgConnectOptions options;
  private final String channel;
  private final Handler<String> notified;
  private final Runnable listening;
  private final Runnable lost;
  private PgConnection connection;
  private int failures;
  private long retryTimer = -1;
  private boolean stopped;

  RegistryListener(Vertx vertx, PgConnectOptions options, String channel, Handler<String> notified, Runnable listening,
      Runnable lost) {
    this.vertx = vertx;
    this.options = options;
    this.channel = channel;
    this.notified = notified;
    this.listening = listening;
    this.lost = lost;
  }

  void start() {
    connect();
  }

  Future<Void> stop() {
    stopped = true;
    vertx.cancelTimer(retryTimer);
    PgConnection open = connection;
    connection = null;
    return open == null ? Future.succeededFuture() : open.close();
  }

  private void connect() {
    retryTimer = -1;
    PgConnection.connect(vertx, options).compose(conn -> {
          conn.notificationHandler(notification -> notified.handle(notification.getPayload()));
          conn.closeHandler(closed -> closed(conn));
          return conn.query("LISTEN " + channel).execute()
              .map(conn)
              .onFailure(failure -> conn.close());
        })
        .onComplete(
            conn -> {
              if (stopped) {
                conn.close();
                return;
              }
              if (failures > 0) {
                LOG.info("listening to {} again", channel);
              }
              failures = 0;
              connection = conn;
              listening.run();
            },
            failure -> {
              if (failures++ == 0) {
                LOG.warn("cannot listen to {}, retrying: {}", channel, failure.getMessage());
              }
              retry();
            });
  }

  private void closed(PgConnection conn) {
    if (stopped || conn != connection) {
      return;
    }
    connection = null;
    LOG.warn("the connection listening to {} closed; reconnecting", channel);
    lost.run();
    retry();
  }

  private void retry() {
    if (stopped || retryTimer != -1) {
      return;
    }
    long delay = Math.min(MAX_RETRY_MILLIS, FIRST_RETRY_MILLIS << Math.min(failures, 10));
    retryTimer = vertx.setTimer(delay, id -> connect());
  }
}
