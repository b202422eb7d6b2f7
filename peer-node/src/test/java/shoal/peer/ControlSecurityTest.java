package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.RawHttp;
import shoal.peer.testing.TestFiles;

/** The control port is this machine's user's alone: token required, foreign pages refused, loopback only. */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("Control port security")
class ControlSecurityTest {

  private static PeerNetwork network;
  /** Each test's own folder and peer: a test that adds a file or stops the peer changes no other test's view. */
  @TempDir
  Path share;
  private PeerNode peer;

  @BeforeAll
  static void startTracker(Vertx vertx) {
    network = PeerNetwork.start(vertx);
  }

  @BeforeEach
  void startPeer() throws Exception {
    TestFiles.text(share.resolve("hello.txt"), "hello");
    // Files on every interface, so that the test can tell "not answering" apart from "unreachable address".
    peer = network.peer("guarded", share, config -> new PeerConfig(config.tracker(), config.share(), config.name(),
        "0.0.0.0", 0, null, 0, null, 0, 8, config.patience(), config.idleTimeout(), config.rescanInterval()));
  }

  @AfterEach
  void stopPeer() {
    peer.close();
  }

  @AfterAll
  static void stop() {
    network.close();
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
      "GET, /", "GET, /api/v1/status", "GET, /api/v1/files", "GET, /api/v1/search?q=x", "POST, /api/v1/downloads",
      "GET, /api/v1/downloads", "GET, /api/v1/downloads/123", "DELETE, /api/v1/downloads/123", "POST, /api/v1/leave",
      "GET, /api/v1/openapi.json",
      "GET, /control", "GET, /nowhere"})
  @DisplayName("Every control call without the token, or with a wrong one, is 401")
  void refusesWithoutToken(String method, String path) throws Exception {
    assertThat(RawHttp.send(peer.controlPort(), method, path).status()).isEqualTo(401);
    assertThat(RawHttp.send(peer.controlPort(), method, path, "Authorization: Bearer wrong").status()).isEqualTo(401);
    String separator = path.contains("?") ? "&" : "?";
    assertThat(RawHttp.send(peer.controlPort(), method, path + separator + "token=wrong").status()).isEqualTo(401);
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"GET, /", "GET, /api/v1/status", "POST, /api/v1/downloads", "POST, /api/v1/leave"})
  @DisplayName("A call from a foreign Origin is 403, even with the token")
  void refusesForeignOrigins(String method, String path) throws Exception {
    assertThat(RawHttp.send(peer.controlPort(), method, path, "Authorization: Bearer " + peer.controlToken(),
        "Origin: http://evil.example").status()).isEqualTo(403);
    assertThat(RawHttp.send(peer.controlPort(), method, path + "?token=" + peer.controlToken(),
        "Origin: http://127.0.0.1:" + (peer.controlPort() + 1)).status()).isEqualTo(403);
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"GET, /api/v1/status", "POST, /api/v1/leave", "GET, /control"})
  @DisplayName("A call addressed to another host name (DNS rebinding) is 403 forbidden, even with the token")
  void refusesForeignHostNames(String method, String path) throws Exception {
    String[] upgrade = path.equals("/control")
        ? new String[] {"Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="}
        : new String[0];
    RawHttp.Reply rebound = RawHttp.send(peer.controlPort(), method, path + "?token=" + peer.controlToken(),
        concat(upgrade, "Host: evil.example:" + peer.controlPort()));
    RawHttp.Reply ownName = RawHttp.send(peer.controlPort(), "GET", "/api/v1/status",
        "Host: localhost:" + peer.controlPort(), "Authorization: Bearer " + peer.controlToken());

    assertThat(rebound.status()).isEqualTo(403);
    if (!path.equals("/control")) {
      JsonObject error = new JsonObject(rebound.bodyText());
      assertThat(error.getString("error")).isEqualTo("forbidden");
      assertThat(error.getString("message")).contains("DNS rebinding");
    }
    assertThat(ownName.status()).isEqualTo(200);
  }

  private static String[] concat(String[] first, String last) {
    String[] all = java.util.Arrays.copyOf(first, first.length + 1);
    all[first.length] = last;
    return all;
  }

  @Test
  @DisplayName("With the token, from no Origin or the page's own, the API answers")
  void answersWithToken() throws Exception {
    RawHttp.Reply status = RawHttp.send(peer.controlPort(), "GET", "/api/v1/status",
        "Authorization: Bearer " + peer.controlToken());
    RawHttp.Reply page = RawHttp.send(peer.controlPort(), "GET", "/?token=" + peer.controlToken(),
        "Origin: http://127.0.0.1:" + peer.controlPort());

    assertThat(status.status()).isEqualTo(200);
    JsonObject body = new JsonObject(status.bodyText());
    assertThat(body.getString("peerId")).isEqualTo(peer.peerId());
    assertThat(body.getBoolean("registered")).isTrue();
    assertThat(body.getInteger("files")).isEqualTo(1);
    assertThat(body.fieldNames()).contains("name", "tracker", "uploads", "downloads");
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.bodyText()).contains("peer control</title>").contains("app.js");
    assertThat(RawHttp.send(peer.controlPort(), "GET", "/app.js").status()).as("the page's script").isEqualTo(200);
  }

  @Test
  @DisplayName("The WebSocket refuses a missing token (401) and a foreign Origin (403), and with the token answers and pushes events")
  void guardsTheWebSocket(Vertx vertx) throws Exception {
    WebSocketClient client = vertx.createWebSocketClient();
    try {
      assertThat(rejection(client, "/control", null)).isEqualTo(401);
      assertThat(rejection(client, "/control?token=" + peer.controlToken(), "http://evil.example")).isEqualTo(403);

      WebSocket socket = client.connect(options("/control?token=" + peer.controlToken(), null)).await(10, TimeUnit.SECONDS);
      LinkedBlockingQueue<JsonObject> received = new LinkedBlockingQueue<>();
      socket.textMessageHandler(text -> received.add(new JsonObject(text)));
      socket.writeTextMessage(new JsonObject().put("id", 7).put("op", "status").encode());
      JsonObject answer = received.poll(10, TimeUnit.SECONDS);
      assertThat(answer.getInteger("id")).isEqualTo(7);
      assertThat(answer.getBoolean("ok")).isTrue();
      assertThat(answer.getJsonObject("result").getString("peerId")).isEqualTo(peer.peerId());

      TestFiles.text(share.resolve("new.txt"), "new");
      JsonObject event = received.poll(10, TimeUnit.SECONDS);
      assertThat(event.getString("event")).isEqualTo("files.changed");
      assertThat(event.getInteger("files")).isEqualTo(2);
      socket.close();
    } finally {
      client.close();
    }
  }

  @Test
  @DisplayName("The control port does not answer on a non-loopback address, while the files port does")
  void loopbackOnly() throws Exception {
    InetAddress outside = nonLoopbackAddress();

    try (Socket files = new Socket()) {
      files.connect(new InetSocketAddress(outside, peer.filesPort()), 5_000);
      assertThat(files.isConnected()).isTrue();
    }
    assertThatThrownBy(() -> {
      try (Socket control = new Socket()) {
        control.connect(new InetSocketAddress(outside, peer.controlPort()), 5_000);
      }
    }).isInstanceOf(ConnectException.class);
  }

  private static InetAddress nonLoopbackAddress() throws Exception {
    List<InetAddress> addresses = NetworkInterface.networkInterfaces()
        .filter(nic -> {
          try {
            return nic.isUp() && !nic.isLoopback();
          } catch (Exception e) {
            return false;
          }
        })
        .flatMap(NetworkInterface::inetAddresses)
        .filter(address -> address instanceof Inet4Address && !address.isLoopbackAddress())
        .toList();
    assertThat(addresses).as("this machine needs a non-loopback IPv4 address for this test").isNotEmpty();
    return addresses.get(0);
  }

  private int rejection(WebSocketClient client, String uri, String origin) throws Exception {
    Future<WebSocket> attempt = client.connect(options(uri, origin));
    try {
      attempt.await(10, TimeUnit.SECONDS);
    } catch (UpgradeRejectedException e) {
      return e.getStatus();
    }
    throw new AssertionError("the WebSocket to " + uri + " was accepted");
  }

  private WebSocketConnectOptions options(String uri, String origin) {
    WebSocketConnectOptions options = new WebSocketConnectOptions()
        .setHost("127.0.0.1").setPort(peer.controlPort()).setURI(uri);
    if (origin != null) {
      options.addHeader("Origin", origin);
    }
    return options;
  }
}
