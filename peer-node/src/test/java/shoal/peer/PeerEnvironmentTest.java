package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import shoal.peer.testing.ProcessLines;
import shoal.peer.testing.Eventually;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.RawHttp;
import shoal.peer.testing.TestFiles;

/**
 * {@code shoal peer} configured as a service manager or a container would: through {@code SHOAL_*}
 * variables, and with {@code --advertise}. Run as a process of its own, because picocli reads
 * {@code ${env:…}} from the real environment.
 */
@Timeout(120)
@DisplayName("shoal peer's environment variables and --advertise")
class PeerEnvironmentTest {

  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest();

  @Test
  @DisplayName("SHOAL_TRACKER, SHOAL_SHARE, SHOAL_NAME, SHOAL_PORT, SHOAL_CONTROL_PORT, SHOAL_CONTROL_TOKEN and SHOAL_ADVERTISE set every option")
  void readsEveryOptionFromTheEnvironment(@TempDir Path share) throws Exception {
    String sha256 = TestFiles.text(share.resolve("from-env.txt"), "configured by the environment");
    Process peer = startPeer(List.of(), Map.of(
        "SHOAL_TRACKER", network.trackerUrl(),
        "SHOAL_SHARE", share.toString(),
        "SHOAL_NAME", "env-peer",
        "SHOAL_PORT", "0",
        "SHOAL_CONTROL_PORT", "0",
        "SHOAL_CONTROL_TOKEN", "token-from-the-environment",
        "SHOAL_ADVERTISE", "http://10.20.30.40:7777"));
    try {
      List<String> lines = firstLines(peer, 3);
      assertThat(lines.get(2)).startsWith("control http://127.0.0.1:").endsWith("/?token=token-from-the-environment");
      int controlPort = Integer.parseInt(lines.get(1).replaceAll(".*:(\\d+)$", "$1"));

      JsonObject atTracker = registeredAs("env-peer");
      assertThat(atTracker.getString("address")).as("the advertised address, not the listening one")
          .isEqualTo("http://10.20.30.40:7777");
      assertThat(network.holdersOf(sha256)).containsExactly(atTracker.getString("peerId"));
      assertThat(RawHttp.send(controlPort, "GET", "/api/v1/status", "Authorization: Bearer token-from-the-environment")
          .status()).as("the token from SHOAL_CONTROL_TOKEN opens the control port").isEqualTo(200);
    } finally {
      stop(peer);
    }
  }

  @Test
  @DisplayName("--advertise on the command line is the address other peers get, and it wins over SHOAL_ADVERTISE")
  void advertisesTheGivenAddress(@TempDir Path share) throws Exception {
    TestFiles.text(share.resolve("behind-nat.txt"), "reachable by another address");
    Process peer = startPeer(List.of("--tracker", network.trackerUrl(), "--share", share.toString(), "--name", "nat-peer",
            "--port", "0", "--control-port", "0", "--advertise", "http://192.168.77.5:7001"),
        Map.of("SHOAL_ADVERTISE", "http://10.20.30.40:7777"));
    try {
      List<String> lines = firstLines(peer, 3);
      assertThat(lines.get(0)).as("it still listens where it was told").startsWith("listening on http://127.0.0.1:");

      assertThat(registeredAs("nat-peer").getString("address")).isEqualTo("http://192.168.77.5:7001");
    } finally {
      stop(peer);
    }
  }

  @Test
  @DisplayName("SHOAL_SOURCES out of 1 to 32 stops shoal peer at once: exit 2 and one sentence on stderr, no stack trace")
  void refusesSourcesFromTheEnvironment(@TempDir Path share) throws Exception {
    ProcessBuilder builder = peerCommand(List.of("--tracker", network.trackerUrl(), "--share", share.toString(),
        "--port", "0", "--control-port", "0"), Map.of("SHOAL_SOURCES", "33"));
    Process peer = builder.redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      assertThat(peer.waitFor(30, TimeUnit.SECONDS)).as("it stops by itself").isTrue();
      String stderr = new String(peer.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);

      assertThat(peer.exitValue()).isEqualTo(2);
      assertThat(stderr.strip()).isEqualTo("shoal peer: --sources must be between 1 and 32, not 33");
      assertThat(network.tracker().get("/api/v1/peers").bodyAsJsonArray()).as("it never registered").isEmpty();
    } finally {
      stop(peer);
    }
  }

  private JsonObject registeredAs(String name) {
    JsonObject[] found = new JsonObject[1];
    Eventually.within(Duration.ofSeconds(10), () -> {
      List<JsonObject> peers = network.tracker().get("/api/v1/peers").bodyAsJsonArray().stream()
          .map(JsonObject.class::cast).filter(peer -> name.equals(peer.getString("name"))).toList();
      assertThat(peers).hasSize(1);
      found[0] = peers.get(0);
    });
    return found[0];
  }

  /** {@code java -cp <the test class path> shoal.peer.Main peer ARGS}, its stderr discarded. */
  private static Process startPeer(List<String> args, Map<String, String> env) throws IOException {
    return peerCommand(args, env).redirectError(ProcessBuilder.Redirect.DISCARD).start();
  }

  /** {@code java -cp <the test class path> shoal.peer.Main peer ARGS}, with no SHOAL_* variable but {@code env}. */
  private static ProcessBuilder peerCommand(List<String> args, Map<String, String> env) {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "peer"));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().keySet().removeIf(name -> name.startsWith("SHOAL_"));
    builder.environment().putAll(env);
    return builder;
  }

  /** The first {@code count} lines of its output, each waited for 30 s at most: a read that cannot hang the test. */
  private static List<String> firstLines(Process process, int count) throws InterruptedException {
    BlockingQueue<String> lines = ProcessLines.of(process);
    List<String> first = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String line = lines.poll(30, TimeUnit.SECONDS);
      assertThat(line).as("line %d of the peer's output within 30 s (so far: %s)", i + 1, first).isNotNull();
      first.add(line);
    }
    return first;
  }

  /** SIGTERM, as a service manager stops it; the peer leaves the tracker on the way out. */
  private static void stop(Process process) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
