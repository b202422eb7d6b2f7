package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;
import shoal.tracker.testing.TrackerApi;

/** Seed scenario 2: request a file that no one has, and do not wait forever. */
@ExtendWith(VertxExtension.class)
@DisplayName("Requesting a file that no one has")
class RequestFileNoOneHasTest {

  private static final String SORRY = "Sorry, the file you requested is not available. Please try again later.";

  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest();


  @Test
  @DisplayName("POST /api/v1/downloads answers 404 not_available with the tracker's message in under a second, leaving nothing on disk")
  void controlApiAnswersAtOnce(@TempDir Path share) throws Exception {
    TestFiles.text(share.resolve("mine.txt"), "mine");
    PeerNode peer = network.peer("dave", share);
    TrackerApi control = network.control(peer);

    long started = System.nanoTime();
    HttpResponse<?> response = control.post("/api/v1/downloads", peer.controlToken(),
        new JsonObject().put("sha256", TrackerApi.sha("nobody has this")));
    long millis = (System.nanoTime() - started) / 1_000_000;

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.bodyAsJsonObject().getMap())
        .containsEntry("error", "not_available")
        .containsEntry("message", SORRY);
    assertThat(millis).isLessThan(1_000);
    assertThat(filesUnder(share)).as("no partial download").containsExactly(share.resolve("mine.txt"));
  }

  @Test
  @DisplayName("./shoal get exits 2 with the tracker's message in under a second and writes nothing")
  void getCommandAnswersAtOnce(@TempDir Path out) throws Exception {
    StringWriter stdout = new StringWriter();
    StringWriter stderr = new StringWriter();
    CommandLine cli = new CommandLine(new Main()).setOut(new PrintWriter(stdout)).setErr(new PrintWriter(stderr));

    long started = System.nanoTime();
    int exit = cli.execute("get", "--tracker", network.trackerUrl(), "--out", out.toString(),
        TrackerApi.sha("nobody has this either"));
    long millis = (System.nanoTime() - started) / 1_000_000;

    assertThat(exit).isEqualTo(2);
    assertThat(stderr.toString()).contains(SORRY);
    assertThat(millis).isLessThan(1_000);
    assertThat(filesUnder(out)).isEmpty();
    assertThat(network.tracker().get("/api/v1/peers").bodyAsJsonArray()).as("the get peer has left").isEmpty();
  }

  /** Regular files, leaving out the node's own hash cache. */
  private static java.util.List<Path> filesUnder(Path dir) throws Exception {
    try (Stream<Path> all = Files.walk(dir)) {
      return all.filter(Files::isRegularFile).filter(path -> !path.endsWith(".shoal/hashes.tsv")).toList();
    }
  }
}
