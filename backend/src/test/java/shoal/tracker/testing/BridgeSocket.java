package shoal.tracker.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A raw client of the bridge's WebSocket transport, frames in a queue. It holds on to its
 * {@link WebSocketClient}: Vert.x closes a client, and with it every socket it opened, once the
 * garbage collector finds the client unreferenced. It pings as the browser client does, since the
 * bridge closes a socket that has not pinged for ten seconds.
 */
public record BridgeSocket(Vertx vertx, WebSocketClient client, WebSocket socket, LinkedBlockingQueue<JsonObject> frames,
    long pinger) implements AutoCloseable {

  private static final long PING_MILLIS = 5_000;

  public static BridgeSocket open(Vertx vertx, int port) {
    LinkedBlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
    WebSocketClient client = vertx.createWebSocketClient();
    WebSocket socket = TrackerApi.await(client.connect(new WebSocketConnectOptions()
        .setHost("127.0.0.1").setPort(port).setURI("/eventbus/websocket")));
    socket.handler(frame -> frames.add(frame.toJsonObject()));
    long pinger = vertx.setPeriodic(PING_MILLIS, id -> socket.writeTextMessage(new JsonObject().put("type", "ping").encode()));
    return new BridgeSocket(vertx, client, socket, frames, pinger);
  }

  @Override
  public void close() {
    vertx.cancelTimer(pinger);
    TrackerApi.await(client.close());
  }

  /**
   * Registers for {@code address} and returns once the bridge has taken the registration: the
   * bridge handles a socket's frames in order and does not acknowledge a registration, so a
   * frame it answers (a refused send) marks the point after which no event can be missed.
   */
  public void listenTo(String address) throws InterruptedException {
    send(new JsonObject().put("type", "register").put("address", address));
    send(new JsonObject().put("type", "send").put("address", address).put("body", new JsonObject()));
    assertThat(next().getString("body")).isEqualTo("access_denied");
  }

  public void send(JsonObject frame) {
    TrackerApi.await(socket.writeTextMessage(frame.encode()));
  }

  public JsonObject next() throws InterruptedException {
    JsonObject frame = frames.poll(5, TimeUnit.SECONDS);
    assertThat(frame).as("a frame within 5 s").isNotNull();
    return frame;
  }

  /** The body of the next delivered event of {@code type}, skipping others, within 5 s. */
  public JsonObject nextEvent(String type) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline) {
      JsonObject frame = frames.poll(100, TimeUnit.MILLISECONDS);
      if (frame != null && "rec".equals(frame.getString("type")) && type.equals(frame.getJsonObject("body").getString("type"))) {
        return frame.getJsonObject("body");
      }
    }
    throw new AssertionError("no " + type + " event within 5 s");
  }

  /** The bodies of every event of {@code type} delivered within {@code millis} from now, in order. */
  public List<JsonObject> eventsWithin(String type, long millis) throws InterruptedException {
    List<JsonObject> events = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    for (long left = millis; left > 0; left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())) {
      JsonObject frame = frames.poll(left, TimeUnit.MILLISECONDS);
      if (frame != null && "rec".equals(frame.getString("type")) && type.equals(frame.getJsonObject("body").getString("type"))) {
        events.add(frame.getJsonObject("body"));
      }
    }
    return events;
  }
}
