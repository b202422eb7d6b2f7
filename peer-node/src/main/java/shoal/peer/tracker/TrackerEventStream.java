package shoal.peer.tracker;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tracker's registry events ({@code shoal.events}), read from its SockJS event-bus bridge over
 * the bridge's raw WebSocket transport ({@code /eventbus/websocket}, one JSON frame per message).
 * Pings as the bridge requires, and reconnects with a growing pause (1 s doubling up to 30 s)
 * whenever the socket drops or cannot be opened. Events missed while disconnected are gone, so
 * {@code listening} is told each time the stream is (again) registered: its user re-checks then.
 * Used on one context: create, open and close it there, and its handlers run there too.
 */
final class TrackerEventStream {

  private static final Logger LOG = LoggerFactory.getLogger(TrackerEventStream.class);
  static final String ADDRESS = "shoal.events";
  /** The bridge closes a socket that has not pinged for ten seconds. */
  private static final long PING_MILLIS = 5_000;
  private static final long FIRST_RETRY_MILLIS = 1_000;
  private static final long MAX_RETRY_MILLIS = 30_000;

  private final Vertx vertx;
  private final String socketUrl;
  private final Handler<JsonObject> events;
  private final Runnable listening;
  private WebSocketClient client;
  private WebSocket socket;
  private long pinger = -1;
  private long retryTimer = -1;
  private long retryMillis = FIRST_RETRY_MILLIS;
  private boolean open;

  /**
   * @param trackerUrl the tracker's base URL, {@code http} or {@code https}
   * @param events given each event's body, {@code {"type", …}}
   * @param listening run each time the stream is registered, the first time and after each reconnect
   */
  TrackerEventStream(Vertx vertx, String trackerUrl, Handler<JsonObject> events, Runnable listening) {
    this.vertx = vertx;
    this.socketUrl = trackerUrl.replaceFirst("^http", "ws") + "/eventbus/websocket";
    this.events = events;
    this.listening = listening;
  }

  void open() {
    if (open) {
      return;
    }
    open = true;
    client = vertx.createWebSocketClient();
    connect();
  }

  void close() {
    if (!open) {
      return;
    }
    open = false;
    vertx.cancelTimer(retryTimer);
    vertx.cancelTimer(pinger);
    socket = null;
    client.close();
  }

  private void connect() {
    WebSocketConnectOptions options;
    try {
      options = new WebSocketConnectOptions().setAbsoluteURI(socketUrl).setAllowOriginHeader(false);
    } catch (IllegalArgumentException e) {
      LOG.warn("cannot follow the tracker's events at {}: {}", socketUrl, e.getMessage());
      return;
    }
    // A connect still under way when the stream was closed and opened again belongs to the old
    // client: its outcome is dropped, so that only one socket (and one pinger) is ever live.
    WebSocketClient connecting = client;
    connecting.connect(options).onComplete(connected -> {
      if (!open || client != connecting) {
        if (connected.succeeded()) {
          connected.result().close();
        }
        return;
      }
      if (connected.failed()) {
        LOG.debug("the tracker's event stream is out of reach: {}", connected.cause().getMessage());
        retryLater();
        return;
      }
      listenOn(connected.result());
    });
  }

  private void listenOn(WebSocket connected) {
    socket = connected;
    // The bridge sends some frames as binary messages: every data frame is read, whichever kind.
    connected.handler(frame -> received(frame.toString()));
    connected.closeHandler(closed -> {
      if (socket == connected) {
        socket = null;
        vertx.cancelTimer(pinger);
        retryLater();
      }
    });
    connected.writeTextMessage(new JsonObject().put("type", "register").put("address", ADDRESS).encode());
    // The bridge does not acknowledge a registration, but handles a socket's frames in order and
    // refuses any send: its refusal arrives once the registration has been taken, and from then
    // on no event is missed.
    connected.writeTextMessage(new JsonObject().put("type", "send").put("address", ADDRESS)
        .put("body", new JsonObject()).encode());
    pinger = vertx.setPeriodic(PING_MILLIS, id -> connected.writeTextMessage("{\"type\":\"ping\"}"));
  }

  private void received(String text) {
    JsonObject frame;
    try {
      frame = new JsonObject(text);
    } catch (RuntimeException e) {
      return;
    }
    if ("rec".equals(frame.getString("type")) && frame.getValue("body") instanceof JsonObject body) {
      events.handle(body);
    } else if ("err".equals(frame.getString("type"))) {
      // The refused send: registered.
      retryMillis = FIRST_RETRY_MILLIS;
      listening.run();
    }
  }

  private void retryLater() {
    if (!open) {
      return;
    }
    long pause = retryMillis;
    retryMillis = Math.min(MAX_RETRY_MILLIS, retryMillis * 2);
    retryTimer = vertx.setTimer(pause, fired -> connect());
  }
}
