package shoal.tracker.events;

import static org.assertj.core.api.Assertions.assertThat;
import static shoal.tracker.testing.TrackerApi.file;
import static shoal.tracker.testing.TrackerApi.sha;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import shoal.tracker.testing.BridgeSocket;
import shoal.tracker.testing.TrackerExtension;
import shoal.tracker.testing.TrackerApi;
import shoal.tracker.testing.TrackerApi.Peer;
import shoal.tracker.testing.XhrPollingSession;

/**
 * The SockJS event-bus bridge, spoken over its raw WebSocket transport as the browser client does,
 * and over the HTTP polling it falls back to.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
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
  @DisplayName("a browser that cannot open a WebSocket hears registry changes through SockJS's HTTP polling instead")
  void eventsReachListenersThatPoll(Vertx vertx) {
    XhrPollingSession session = new XhrPollingSession(trackers.api(vertx));
    TrackerApi.await(session.listenTo("shoal.events"));

    trackers.twinApi(vertx).register("heard-by-polling", List.of());

    TrackerApi.await(session.pollUntil("heard-by-polling", Duration.ofSeconds(10)));
    // SockJS closes a poll's connection after answering: the answer says so, lest a client or a
    // proxy send its next request on it.
    assertThat(trackers.api(vertx).post("/eventbus/000/" + session.id() + "/xhr", null, null).getHeader("Connection"))
        .isEqualToIgnoringCase("close");
  }

  @Test
  @DisplayName("posts to the bridge's HTTP transports with any body, even a large one, are never answered 5xx")
  void postsWithAnyBodyAreNever5xx(Vertx vertx) {
    TrackerApi api = trackers.api(vertx);
    XhrPollingSession session = new XhrPollingSession(api);
    TrackerApi.await(session.listenTo("shoal.events"));
    // SockJS itself answers an empty or malformed post 500; the tracker stops such posts first.
    for (String path : new String[] {"/eventbus/info", "/eventbus/000/" + session.id() + "/xhr_send",
        "/eventbus/000/no-such-session/xhr_send", "/eventbus/000/" + session.id() + "/jsonp_send"}) {
      for (String contentType : new String[] {"multipart/form-data; boundary=b", "multipart/form-data",
          "application/x-www-form-urlencoded", "text/plain", "application/json"}) {
        for (String body : new String[] {"--b\r\nContent-Disposition: form-data; name=\"d\"\r\n\r\n1\r\n--b--\r\n", "d=%5B%5D",
            "[\"not a frame\"]", "", "x".repeat(100_000)}) {
          HttpResponse<Buffer> response = api.sendRaw(HttpMethod.POST, path,
              MultiMap.caseInsensitiveMultiMap().add("Content-Type", contentType), Buffer.buffer(body));

          assertThat(response.statusCode()).as(path + " " + contentType + " " + body.length()).isLessThan(500);
          if (response.statusCode() == 400) {
            assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("invalid_request");
          }
        }
      }
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
}
