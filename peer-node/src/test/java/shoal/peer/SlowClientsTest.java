package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.RawHttp;
import shoal.peer.testing.TestFiles;
import shoal.tracker.testing.MisbehavingClient;

/** Clients that connect and dawdle cannot hold a peer's files or control port. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
@DisplayName("Slow and idle clients at a peer")
class SlowClientsTest {

  private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(1);
  /** Timers fire a tick late at most; a loaded CI machine gets some seconds more. */
  private static final Duration MARGIN = Duration.ofSeconds(3);
  /** Faster than the idle timeout, so that only the head or body deadline can cut the client off. */
  private static final Duration DRIP = Duration.ofMillis(300);
  private static final int FILES_CAP = 3;

  @TempDir
  static Path share;
  private static PeerNetwork network;
  private static PeerNode peer;

  @BeforeAll
  static void startPeer(Vertx vertx) throws Exception {
    TestFiles.text(share.resolve("hello.txt"), "hello");
    network = PeerNetwork.start(vertx);
    peer = network.peer("guarded", share, config -> config.withIdleTimeout(IDLE_TIMEOUT).withMaxConnections(FILES_CAP));
  }

  @AfterAll
  static void stop() {
    network.close();
  }

  @Test
  @DisplayName("A client dripping its headers a byte at a time to the files port is cut off within --idle-timeout")
  void slowHeadersAtTheFilesPort() throws Exception {
    assertCutOff(peer.filesPort(), "GET /health HTTP/1.1\r\nHost: 127.0.0.1:" + peer.filesPort() + "\r\nX-a: ");
    assertThat(RawHttp.send(peer.filesPort(), "GET", "/health").status()).isEqualTo(200);
  }

  @Test
  @DisplayName("A client dripping its headers a byte at a time to the control port is cut off within --idle-timeout")
  void slowHeadersAtTheControlPort() throws Exception {
    assertCutOff(peer.controlPort(), "GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1:" + peer.controlPort() + "\r\nX-a: ");
    assertThat(RawHttp.send(peer.controlPort(), "GET", "/api/v1/status", "Authorization: Bearer " + peer.controlToken())
        .status()).isEqualTo(200);
  }

  @Test
  @DisplayName("Connections to the files port beyond its cap are closed at once; once the others go, it answers again")
  void filesPortConnectionsAreCapped() throws Exception {
    assertCapped(peer.filesPort(), FILES_CAP);
    assertThat(RawHttp.send(peer.filesPort(), "GET", "/health").status()).isEqualTo(200);
  }

  @Test
  @DisplayName("Connections to the control port beyond its 64 are closed at once; once the others go, it answers again")
  void controlPortConnectionsAreCapped() throws Exception {
    assertCapped(peer.controlPort(), 64);
    assertThat(RawHttp.send(peer.controlPort(), "GET", "/api/v1/status", "Authorization: Bearer " + peer.controlToken())
        .status()).isEqualTo(200);
  }

  private static void assertCutOff(int port, String opening) throws Exception {
    MisbehavingClient.Outcome outcome = MisbehavingClient.drip(port, opening, DRIP, IDLE_TIMEOUT.plus(MARGIN).plusSeconds(5));
    assertThat(outcome.closedByServer()).as("closed by the peer").isTrue();
    assertThat(outcome.took()).isLessThan(IDLE_TIMEOUT.plus(MARGIN));
  }

  private static void assertCapped(int port, int cap) throws Exception {
    List<Socket> held = MisbehavingClient.openSilent(port, cap);
    List<Socket> extra = MisbehavingClient.openSilent(port, 2);
    try {
      for (Socket socket : extra) {
        assertThat(MisbehavingClient.closedWithin(socket, Duration.ofMillis(500))).as("an extra connection").isTrue();
      }
      assertThat(MisbehavingClient.closedWithin(held.get(cap - 1), Duration.ofMillis(200))).as("one within the cap").isFalse();
    } finally {
      MisbehavingClient.closeAll(held);
      MisbehavingClient.closeAll(extra);
    }
    Thread.sleep(200);
  }
}
