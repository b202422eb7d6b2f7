package shoal.peer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import shoal.peer.Main;
import shoal.peer.tracker.TrackerRoute;

/**
 * Where {@code shoal peer} and {@code shoal get} listen when not told: with a tracker on loopback,
 * on 127.0.0.1 as before, and wherever {@code --host} says when it is given. The other case, a
 * tracker on another machine, needs another machine: {@code TwoMachinesIT} runs it in network
 * namespaces.
 */
@Timeout(30)
@DisplayName("The files port's default address")
class ListenDefaultsTest {

  @ParameterizedTest(name = "--tracker {0}")
  @ValueSource(strings = {"http://127.0.0.1:8080", "http://localhost:8080", "http://127.9.9.9", "http://[::1]:8080"})
  @DisplayName("with a tracker on loopback, a peer and get listen on 127.0.0.1")
  void loopbackTrackerKeepsLoopback(String tracker, @TempDir Path dir) {
    PeerCommand peer = new PeerCommand();
    new CommandLine(peer).parseArgs("--tracker", tracker, "--share", dir.toString());
    GetCommand get = new GetCommand();
    new CommandLine(get).parseArgs("--tracker", tracker, "--out", dir.toString(), "a.txt");

    assertThat(peer.config().host()).isEqualTo("127.0.0.1");
    assertThat(get.config().host()).isEqualTo("127.0.0.1");
  }

  @ParameterizedTest(name = "--host {0}")
  @ValueSource(strings = {"0.0.0.0", "127.0.0.1", "10.1.2.3", "::"})
  @DisplayName("--host given explicitly always wins")
  void explicitHostWins(String host, @TempDir Path dir) {
    PeerCommand peer = new PeerCommand();
    new CommandLine(peer).parseArgs("--tracker", "http://192.0.2.1:8080", "--share", dir.toString(), "--host", host);

    assertThat(peer.config().host()).isEqualTo(host);
  }

  @Test
  @DisplayName("only the wildcard addresses count as listening everywhere, which is no address to give others")
  void wildcards() {
    assertThat(TrackerRoute.isWildcard("0.0.0.0")).isTrue();
    assertThat(TrackerRoute.isWildcard("::")).isTrue();
    assertThat(TrackerRoute.isWildcard("127.0.0.1")).isFalse();
    assertThat(TrackerRoute.isWildcard("10.231.7.2")).isFalse();
  }

  @Test
  @DisplayName("--help says where the files port listens by default")
  void helpSaysTheDefault() {
    StringWriter out = new StringWriter();
    new CommandLine(new Main()).setOut(new PrintWriter(out)).execute("peer", "--help");

    assertThat(out.toString().replaceAll("\\s+", " "))
        .contains("the local address this machine reaches the tracker from")
        .contains("127.0.0.1 when the tracker is on loopback");
  }
}
