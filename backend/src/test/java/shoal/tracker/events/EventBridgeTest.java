package shoal.tracker.events;

import static org.assertj.core.api.Assertions.assertThat;
import static shoal.tracker.testing.TrackerApi.file;
import static shoal.tracker.testing.TrackerApi.sha;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import shoal.tracker.testing.TrackerExtension;
import shoal.tracker.testing.TrackerApi;
import shoal.tracker.testing.TrackerApi.Peer;

/** The SockJS event-bus bridge, spoken over its raw WebSocket transport as the browser client does. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
@DisplayName("The event-bus bridge")
class EventBridgeTest {

  /** Two tracker processes on one database, as when scaling out. */
  @RegisterExtension
  static final TrackerExtension trackers = TrackerExtension.withTwin();

  @Test
  @DisplayName("a listener on one tracker hears registry changes made through another tracker on the same database")
  void eventsReachListenersOfEveryTracker(Vertx vertx) throws InterruptedException {
    try (BridgeSocket socket = BridgeSocket.open(vertx, trackers.twin().port())) {
      socket.listenTo("shoal.events");
      TrackerApi api = trackers.api(vertx);

      Peer peer = api.register("announced", List.of(file(sha("e1"), "e1.txt", 1)));
      JsonObject joined = socket.nextEvent("peer.joined");
      api.delete("/api/v1/peers/" + peer.peerId(), peer.token());
      JsonObject left = socket.nextEvent("peer.left");

      assertThat(joined.getString("peerId")).isEqualTo(peer.peerId());
      assertThat(joined.getString("name")).isEqualTo("announced");
      assertThat(left.getString("peerId")).isEqualTo(peer.peerId());
    }
  }

  @Test
  @DisplayName("the bridge refuses inbound messages and any address other than shoal.events")
  void inboundAndOtherAddressesAreRefused(Vertx vertx) throws InterruptedException {
    try (BridgeSocket socket = BridgeSocket.open(vertx, trackers.tracker().port())) {
      socket.send(new JsonObject().put("type", "send").put("address", "shoal.events").put("body", new JsonObject()));
      JsonObject sendRefused = socket.next();
      socket.send(new JsonObject().put("type", "publish").put("address", "shoal.events").put("body", new JsonObject()));
      JsonObject publishRefused = socket.next();
      socket.send(new JsonObject().put("type", "register").put("address", "shoal.internal"));
      JsonObject registerRefused = socket.next();

      assertThat(List.of(sendRefused, publishRefused, registerRefused)).allSatisfy(frame -> {
        assertThat(frame.getString("type")).isEqualTo("err");
        assertThat(frame.getString("body")).isEqualTo("access_denied");
      });
    }
  }

  /**
   * A raw client of the bridge's WebSocket transport, frames in a queue. It holds on to its
   * {@link WebSocketClient}: Vert.x closes a client, and with it every socket it opened, once the
   * garbage collector finds the client unreferenced.
   */
  private record BridgeSocket(WebSocketClient client, WebSocket socket, LinkedBlockingQueue<JsonObject> frames)
      implements AutoCloseable {

    static BridgeSocket open(Vertx vertx, int port) {
      LinkedBlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
      WebSocketClient client = vertx.createWebSocketClient();
      WebSocket socket = TrackerApi.await(client.connect(new WebSocketConnectOptions()
          .setHost("127.0.0.1").setPort(port).setURI("/eventbus/websocket")));
      socket.handler(frame -> frames.add(frame.toJsonObject()));
      return new BridgeSocket(client, socket, frames);
    }

    @Override
    public void close() {
      TrackerApi.await(client.close());
    }

    /**
     * Registers for {@code address} and returns once the bridge has taken the registration: the
     * bridge handles a socket's frames in order and does not acknowledge a registration, so a
     * frame it answers (a refused send) marks the point after which no event can be missed.
     */
    void listenTo(String address) throws InterruptedException {
      send(new JsonObject().put("type", "register").put("address", address));
      send(new JsonObject().put("type", "send").put("address", address).put("body", new JsonObject()));
      assertThat(next().getString("body")).isEqualTo("access_denied");
    }

    void send(JsonObject frame) {
      TrackerApi.await(socket.writeTextMessage(frame.encode()));
    }

    JsonObject next() throws InterruptedException {
      JsonObject frame = frames.poll(5, TimeUnit.SECONDS);
      assertThat(frame).as("a frame within 5 s").isNotNull();
      return frame;
    }

    /** The body of the next delivered event of {@code type}, skipping others, within 5 s. */
    JsonObject nextEvent(String type) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (System.nanoTime() < deadline) {
        JsonObject frame = frames.poll(100, TimeUnit.MILLISECONDS);
        if (frame != null && "rec".equals(frame.getString("type")) && type.equals(frame.getJsonObject("body").getString("type"))) {
          return frame.getJsonObject("body");
        }
      }
      throw new AssertionError("no " + type + " event within 5 s");
    }
  }
}
