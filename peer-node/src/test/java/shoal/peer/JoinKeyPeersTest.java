package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import shoal.peer.share.Sha256;
import shoal.peer.testing.Eventually;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;

/** Peers and {@code ./shoal get} against a tracker started with {@code --join-key}. */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("Peers with the tracker's join key")
class JoinKeyPeersTest {

  private static final String KEY = "rack-7-join-key";

  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest(config -> config.withAccess(config.access().withJoinKey(KEY)));

  @Test
  @DisplayName("a peer started with --join-key registers, and registers again with it after the tracker forgot it")
  void keyedPeerRegistersAndReregisters(@TempDir Path share) throws Exception {
    String sha256 = TestFiles.random(share.resolve("notes.txt"), 1_000, 3);
    PeerNode peer = network.peer("keyed", share, config -> config.withJoinKey(KEY));
    Eventually.within(Duration.ofSeconds(5), () -> assertThat(peer.peerId()).isNotNull());
    String firstId = peer.peerId();
    assertThat(network.holdersOf(sha256)).containsExactly(firstId);

    network.forget(firstId);

    AtomicReference<String> secondId = new AtomicReference<>();
    Eventually.within(Duration.ofSeconds(10), () -> {
      assertThat(peer.peerId()).isNotNull().isNotEqualTo(firstId);
      assertThat(network.holdersOf(sha256)).containsExactly(peer.peerId());
      secondId.set(peer.peerId());
    });
    assertThat(network.peerAtTracker(secondId.get()).getString("name")).isEqualTo("keyed");
  }

  @Test
  @DisplayName("a peer without the key stays unregistered, and the tracker lists no such peer")
  void peerWithoutKeyIsKeptOut(@TempDir Path share) throws Exception {
    TestFiles.random(share.resolve("x.bin"), 100, 4);
    PeerNode outsider = network.peer("outsider", share);
    PeerNode wrong = network.peer("wrong-key", share, config -> config.withJoinKey("not-" + KEY));

    Thread.sleep(3_000);

    assertThat(outsider.peerId()).isNull();
    assertThat(wrong.peerId()).isNull();
    assertThat(network.tracker().get("/api/v1/peers").bodyAsJsonArray()).isEmpty();
  }

  @Test
  @DisplayName("./shoal get --join-key downloads; without the key it exits 1 with the tracker's sentence")
  void getCommandShowsTheKey(@TempDir Path share, @TempDir Path out) throws Exception {
    String sha256 = TestFiles.random(share.resolve("data.bin"), 200_000, 5);
    PeerNode holder = network.peer("holder", share, config -> config.withJoinKey(KEY));
    Eventually.within(Duration.ofSeconds(5), () -> assertThat(network.holdersOf(sha256)).hasSize(1));

    StringWriter refusedErr = new StringWriter();
    int refused = new CommandLine(new Main()).setOut(new PrintWriter(new StringWriter()))
        .setErr(new PrintWriter(refusedErr)).execute("get", "--tracker", network.trackerUrl(), "--out", out.toString(), sha256);
    assertThat(refused).isEqualTo(1);
    assertThat(refusedErr.toString()).contains("join key").doesNotContain(KEY);

    StringWriter err = new StringWriter();
    int exit = new CommandLine(new Main()).setOut(new PrintWriter(new StringWriter())).setErr(new PrintWriter(err))
        .execute("get", "--tracker", network.trackerUrl(), "--join-key", KEY, "--out", out.toString(), sha256);

    assertThat(exit).as(err.toString()).isZero();
    assertThat(Sha256.ofFile(out.resolve("data.bin"))).isEqualTo(sha256);
    assertThat(network.tracker().get("/api/v1/peers").bodyAsJsonArray().stream()
        .map(p -> ((JsonObject) p).getString("peerId")).toList()).isEqualTo(List.of(holder.peerId()));
  }
}
