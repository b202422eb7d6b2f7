package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import shoal.peer.testing.Eventually;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;
import shoal.tracker.testing.TrackerApi;

/** Seed scenario 5: leave the tracker, and the tracker deletes the peer's information. */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("Leaving the tracker")
class LeaveTrackerTest {

  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest();


  @Test
  @DisplayName("After POST /api/v1/leave the tracker lists neither the peer nor its files, and a file only it held is not_available")
  void leavesOnRequest(@TempDir Path leaving, @TempDir Path staying) throws Exception {
    String onlyHere = TestFiles.text(leaving.resolve("only-here.txt"), "unique");
    PeerNode leaver = network.peer("leaver", leaving);
    PeerNode stayer = network.peer("stayer", staying);
    String leaverId = leaver.peerId();
    assertThat(network.holdersOf(onlyHere)).containsExactly(leaverId);

    TrackerApi control = network.control(leaver);
    HttpResponse<?> left = control.post("/api/v1/leave", leaver.controlToken(), null);
    control.close();

    assertThat(left.statusCode()).isEqualTo(200);
    assertThat(peerIdsAtTracker()).containsExactly(stayer.peerId());
    assertThat(network.status("/api/v1/peers/" + leaverId)).isEqualTo(404);
    assertThat(network.holdersOf(onlyHere)).isEmpty();
    TrackerApi stayerControl = network.control(stayer);
    HttpResponse<?> attempt = stayerControl.post("/api/v1/downloads", stayer.controlToken(),
        new JsonObject().put("sha256", onlyHere));
    stayerControl.close();
    assertThat(attempt.statusCode()).isEqualTo(404);
    assertThat(attempt.bodyAsJsonObject().getString("error")).isEqualTo("not_available");
    leaver.stopped().await(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("A peer process stopped with SIGTERM leaves the tracker before it exits")
  void leavesOnSigterm(@TempDir Path share) throws Exception {
    String onlyHere = TestFiles.text(share.resolve("only-here.txt"), "unique to the process");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process process = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "peer", "--tracker", network.trackerUrl(), "--share", share.toString(), "--name", "process",
        "--port", "0", "--control-port", "0"))
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    try {
      List<String> lines = firstLines(process, 3);
      assertThat(lines.get(0)).startsWith("listening on http://127.0.0.1:");
      assertThat(lines.get(1)).startsWith("listening on http://127.0.0.1:");
      assertThat(lines.get(2)).startsWith("control http://127.0.0.1:").contains("/?token=");
      Eventually.within(Duration.ofSeconds(10), () -> assertThat(network.holdersOf(onlyHere)).hasSize(1));

      process.destroy();

      assertThat(process.waitFor(20, TimeUnit.SECONDS)).as("the process exits").isTrue();
      assertThat(peerIdsAtTracker()).isEmpty();
      assertThat(network.holdersOf(onlyHere)).isEmpty();
    } finally {
      process.destroyForcibly();
    }
  }

  /** The first {@code count} lines of its output, each waited for 30 s at most, so that a silent process cannot hang the test. */
  private static List<String> firstLines(Process process, int count) throws InterruptedException {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream()))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          lines.add(line);
        }
      } catch (java.io.IOException e) {
        // the process ended; the missing lines fail the test
      }
    }, "peer-process-stdout");
    reader.setDaemon(true);
    reader.start();
    List<String> first = new java.util.ArrayList<>();
    for (int i = 0; i < count; i++) {
      String line = lines.poll(30, TimeUnit.SECONDS);
      assertThat(line).as("line %d of the peer's output within 30 s (so far: %s)", i + 1, first).isNotNull();
      first.add(line);
    }
    return first;
  }

  private List<String> peerIdsAtTracker() {
    return network.tracker().get("/api/v1/peers").bodyAsJsonArray().stream()
        .map(peer -> ((JsonObject) peer).getString("peerId")).toList();
  }
}
