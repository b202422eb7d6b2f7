package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import shoal.peer.testing.Eventually;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;

/** The control WebSocket's {@code download}, {@code downloads}, {@code cancel} and {@code leave}, against real peers. */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("The control WebSocket")
class ControlWebSocketTest {

  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest();

  /** Everything the socket received, with the moment it arrived. */
  private record Received(long nanos, JsonObject message) {}

  @Test
  @DisplayName("lists a running download with its source, pushes its progress at most four times a second, cancels it (partial removed), and leaves the tracker")
  void downloadsCancelAndLeave(Vertx vertx, @TempDir Path holderShare, @TempDir Path userShare) throws Exception {
    // 16 MiB at 1 MiB/s: the download is still running, with bytes moving, for the whole observation.
    String sha256 = TestFiles.random(holderShare.resolve("archive.tar"), 16L << 20, 9);
    PeerNode holder = network.peer("holder", holderShare, config -> config.withUploadLimit(1L << 20));
    PeerNode user = network.peer("user", userShare);
    WebSocketClient client = vertx.createWebSocketClient();
    try {
      WebSocket socket = client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(user.controlPort())
          .setURI("/control?token=" + user.controlToken())).await(10, TimeUnit.SECONDS);
      List<Received> received = new CopyOnWriteArrayList<>();
      socket.textMessageHandler(text -> received.add(new Received(System.nanoTime(), new JsonObject(text))));

      JsonObject started = request(socket, received, 1, new JsonObject().put("op", "download").put("sha256", sha256));
      String downloadId = started.getString("downloadId");
      long watchFrom = System.nanoTime();
      Thread.sleep(3_000);
      JsonArray listed = request(socket, received, 2, new JsonObject().put("op", "downloads"));
      long watchTo = System.nanoTime();

      JsonObject running = listed.stream().map(JsonObject.class::cast)
          .filter(d -> downloadId.equals(d.getString("downloadId"))).findFirst().orElseThrow();
      assertThat(running.getString("state")).isEqualTo("running");
      assertThat(running.getLong("bytes")).isPositive().isLessThan(16L << 20);
      assertThat(running.getJsonArray("sources").getJsonObject(0).getString("peerId")).isEqualTo(holder.peerId());
      List<Received> progress = received.stream()
          .filter(r -> "download.progress".equals(r.message().getString("event")))
          .filter(r -> downloadId.equals(r.message().getString("downloadId")))
          .filter(r -> r.nanos() >= watchFrom && r.nanos() <= watchTo).toList();
      double seconds = (watchTo - watchFrom) / 1e9;
      assertThat(progress.size()).as("progress events in %.1f s", seconds)
          .isGreaterThanOrEqualTo(3)
          // Four a second, and one more for a tick that falls on the edge of the window.
          .isLessThanOrEqualTo((int) Math.floor(4 * seconds) + 1);

      JsonObject cancelled = request(socket, received, 3, new JsonObject().put("op", "cancel").put("downloadId", downloadId));
      assertThat(cancelled).isNotNull();
      Eventually.within(Duration.ofSeconds(10), () -> {
        JsonArray now = request(socket, received, 4, new JsonObject().put("op", "downloads"));
        assertThat(now.getJsonObject(0).getString("state")).isEqualTo("cancelled");
        assertThat(regularFilesUnder(userShare)).as("the partial file is removed").isEmpty();
      });

      request(socket, received, 5, new JsonObject().put("op", "leave"));
      assertThat(user.stopped().await(10, TimeUnit.SECONDS)).isNull();
      assertThat(network.status("/api/v1/peers/" + user.peerId())).as("gone from the tracker").isEqualTo(404);
    } finally {
      client.close();
    }
  }

  /** Sends {@code request} with {@code id} and answers its {@code result}, asserting it succeeded within 10 s. */
  @SuppressWarnings("unchecked")
  private static <T> T request(WebSocket socket, List<Received> received, int id, JsonObject request) {
    socket.writeTextMessage(request.copy().put("id", id).encode());
    JsonObject[] answer = new JsonObject[1];
    Eventually.within(Duration.ofSeconds(10), () -> {
      answer[0] = received.stream().map(Received::message).filter(m -> m.getValue("id") != null && m.getInteger("id") == id)
          .reduce((first, second) -> second).orElseThrow(() -> new AssertionError("no answer to " + request.encode()));
    });
    assertThat(answer[0].getBoolean("ok")).as(answer[0].encode()).isTrue();
    return (T) answer[0].getValue("result");
  }

  private static List<Path> regularFilesUnder(Path dir) throws Exception {
    try (Stream<Path> all = Files.walk(dir)) {
      return all.filter(Files::isRegularFile).filter(path -> !path.endsWith(".shoal/hashes.tsv")).toList();
    }
  }
}
