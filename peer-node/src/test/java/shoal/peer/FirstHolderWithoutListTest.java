package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import shoal.peer.share.PieceLayout;
import shoal.peer.share.Sha256;
import shoal.peer.testing.Downloading;
import shoal.peer.testing.Eventually;
import shoal.peer.testing.FakeHolder;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;
import shoal.tracker.testing.TrackerApi;

/**
 * The tracker's first choice of holder cannot give the file's piece list: that holder has failed
 * as a source, and the download still comes in verified pieces from the holders that can.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("A first holder that cannot give its piece list")
class FirstHolderWithoutListTest {

  private static final long SIZE = 32L << 20;
  private static final int PIECES = PieceLayout.of(SIZE).count();

  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest();

  /** What the first holder does when asked for its piece list; asked for bytes, it sends the right ones. */
  enum Misbehaviour {
    UNREACHABLE("unreachable"), STALLS("stalled"), ANSWERS_GARBAGE("refused");

    /** The reason its transfer is reported failed with. */
    final String reason;

    Misbehaviour(String reason) {
      this.reason = reason;
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Misbehaviour.class)
  @DisplayName("is reported failed at the tracker, and the file comes in verified pieces from both honest holders, identical")
  void otherHoldersGiveTheList(Misbehaviour misbehaviour, @TempDir Path root) throws Exception {
    String sha256 = TestFiles.random(root.resolve("honest-1").resolve("archive.tar"), SIZE, 81);
    TestFiles.random(root.resolve("honest-2").resolve("archive.tar"), SIZE, 81);
    byte[] content = Files.readAllBytes(root.resolve("honest-1").resolve("archive.tar"));
    // Capped, so that the second honest holder joins while pieces are left for it.
    PeerNode honest1 = network.peer("honest-1", root.resolve("honest-1"), config -> config.withUploadLimit(8L << 20));
    PeerNode honest2 = network.peer("honest-2", root.resolve("honest-2"), config -> config.withUploadLimit(8L << 20));
    try (FakeHolder bad = new FakeHolder((request, out) -> {
      if (!request.target().endsWith("/pieces")) {
        FakeHolder.answerRange(request, out, content, (body, from, to) -> body.write(content, (int) from, (int) (to - from)));
      } else if (misbehaviour == Misbehaviour.STALLS) {
        Thread.sleep(60_000); // the connection stays open in silence until the test ends
      } else {
        byte[] garbage = "<html>a piece list, honest</html>".getBytes(StandardCharsets.US_ASCII);
        FakeHolder.head(out, "200 OK", "Content-Type: application/json", "Content-Length: " + garbage.length);
        out.write(garbage);
      }
    })) {
      String address = misbehaviour == Misbehaviour.UNREACHABLE ? "http://127.0.0.1:" + closedPort() : bad.address();
      String badId = bad.register(network.tracker(), "bad", address, TrackerApi.file(sha256, "archive.tar", SIZE));
      // One unfinished upload on each honest holder: the least-loaded choice names the bad one first.
      String busy = network.occupyHolder(sha256, badId);
      network.occupyHolder(sha256, badId, busy);
      Path downloading = root.resolve("downloader");
      PeerNode downloader = network.peer("downloader", downloading);

      JsonObject end = Downloading.awaitEnd(network, downloader, Downloading.start(network, downloader, sha256),
          Duration.ofSeconds(60));

      assertThat(end.getString("state")).as(end.encode()).isEqualTo("done");
      assertThat(Sha256.ofFile(downloading.resolve("archive.tar"))).isEqualTo(sha256);
      Map<String, Integer> pieces = end.getJsonArray("sources").stream().map(JsonObject.class::cast)
          .collect(Collectors.toMap(source -> source.getString("peerId"), source -> source.getInteger("pieces", 0),
              Integer::sum));
      assertThat(pieces.getOrDefault(honest1.peerId(), 0)).as("pieces from honest-1 in " + end.encode()).isPositive();
      assertThat(pieces.getOrDefault(honest2.peerId(), 0)).as("pieces from honest-2 in " + end.encode()).isPositive();
      assertThat(pieces.values().stream().mapToInt(Integer::intValue).sum()).as("verified pieces in all").isEqualTo(PIECES);
      assertThat(Downloading.failureReason(network, sha256, badId)).isEqualTo(misbehaviour.reason);
      Downloading.assertNeverBlamed(network, sha256, honest1.peerId());
      Downloading.assertNeverBlamed(network, sha256, honest2.peerId());
    }
  }

  @Test
  @DisplayName("when it is the only holder, the download ends failed with the sentence that every holder failed, and does not hang")
  void noHolderLeftEndsTheDownload(@TempDir Path downloading) throws Exception {
    String sha256 = TrackerApi.sha("only an unreachable holder has it");
    try (FakeHolder gone = new FakeHolder((request, out) -> {})) {
      String goneId = gone.register(network.tracker(), "gone", "http://127.0.0.1:" + closedPort(),
          TrackerApi.file(sha256, "archive.tar", SIZE));
      PeerNode downloader = network.peer("downloader", downloading);

      JsonObject end = Downloading.awaitEnd(network, downloader, Downloading.start(network, downloader, sha256),
          Duration.ofSeconds(30));

      assertThat(end.getString("state")).as(end.encode()).isEqualTo("failed");
      assertThat(end.getString("error")).startsWith("Every peer holding archive.tar failed.")
          .contains("gone: The source could not be reached.");
      assertThat(Downloading.failureReason(network, sha256, goneId)).isEqualTo("unreachable");
      Eventually.within(Duration.ofSeconds(5), () -> assertThat(network.transfersOf(sha256)).as("every transfer ended")
          .noneMatch(transfer -> "active".equals(transfer.getString("state"))));
    }
  }

  /** A port on 127.0.0.1 that nothing listens on: connecting to it is refused. */
  private static int closedPort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
