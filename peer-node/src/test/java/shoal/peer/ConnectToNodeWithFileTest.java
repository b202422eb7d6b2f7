package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import shoal.peer.share.Sha256;
import shoal.peer.testing.Downloading;
import shoal.peer.testing.Eventually;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;
import shoal.tracker.testing.TrackerApi;

/** Seed scenario 3: connect to a node that has the file and receive it. */
@ExtendWith(VertxExtension.class)
@Timeout(180)
@DisplayName("Connecting to a node with the file")
class ConnectToNodeWithFileTest {

  private static final long SIZE = 200L * 1000 * 1000;

  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest();


  @Test
  @DisplayName("A 200 MB file moves from A to B intact; B then holds it, and a third peer fetches it from B")
  void fileTravelsOnward(@TempDir Path a, @TempDir Path b, @TempDir Path c) throws Exception {
    String sha256 = TestFiles.random(a.resolve("movie.mkv"), SIZE, 42);
    PeerNode nodeA = network.peer("A", a);
    PeerNode nodeB = network.peer("B", b);

    JsonObject toB = Downloading.awaitEnd(network, nodeB, Downloading.start(network, nodeB, sha256), Duration.ofSeconds(60));

    assertThat(toB.getString("state")).as(toB.encode()).isEqualTo("done");
    assertThat(Sha256.ofFile(b.resolve("movie.mkv"))).isEqualTo(sha256);
    assertThat(toB.getJsonArray("sources").getJsonObject(0).getString("peerId")).isEqualTo(nodeA.peerId());
    assertThat(network.holdersOf(sha256)).containsExactlyInAnyOrder(nodeA.peerId(), nodeB.peerId());

    nodeA.close();
    PeerNode nodeC = network.peer("C", c);
    JsonObject toC = Downloading.awaitEnd(network, nodeC, Downloading.start(network, nodeC, sha256), Duration.ofSeconds(60));

    assertThat(toC.getString("state")).as(toC.encode()).isEqualTo("done");
    assertThat(toC.getJsonArray("sources").getJsonObject(0).getString("peerId")).isEqualTo(nodeB.peerId());
    assertThat(Sha256.ofFile(c.resolve("movie.mkv"))).isEqualTo(sha256);
    assertThat(network.transfersOf(sha256)).extracting(t -> t.getString("state")).containsOnly("completed");
  }

  @Test
  @DisplayName("A download cancelled half-way leaves no partial file, and the tracker records the transfer failed")
  void cancelledDownloadLeavesNothing(@TempDir Path a, @TempDir Path b) throws Exception {
    String sha256 = TestFiles.random(a.resolve("slow.iso"), 16L << 20, 8);
    network.peer("A", a, config -> config.withUploadLimit(2L << 20));
    PeerNode nodeB = network.peer("B", b);
    String downloadId = Downloading.start(network, nodeB, sha256);
    Eventually.within(Duration.ofSeconds(10), () ->
        assertThat(nodeB.downloads().find(downloadId).await().orElseThrow().bytes()).isPositive());

    TrackerApi control = network.control(nodeB);
    HttpResponse<?> cancelled = control.delete("/api/v1/downloads/" + downloadId, nodeB.controlToken());
    control.close();
    JsonObject end = Downloading.awaitEnd(network, nodeB, downloadId, Duration.ofSeconds(10));

    assertThat(cancelled.statusCode()).isEqualTo(200);
    assertThat(end.getString("state")).isEqualTo("cancelled");
    try (Stream<Path> files = Files.walk(b)) {
      assertThat(files.filter(Files::isRegularFile).filter(path -> !path.endsWith(".shoal/hashes.tsv"))).isEmpty();
    }
    Eventually.within(Duration.ofSeconds(5), () ->
        assertThat(network.transfersOf(sha256)).extracting(t -> t.getString("state")).containsExactly("failed"));
    assertThat(network.holdersOf(sha256)).doesNotContain(nodeB.peerId());
  }

  @Test
  @DisplayName("Asking for the same file twice at once makes one download, not two writing into one partial file")
  void twoAsksMakeOneDownload(@TempDir Path a, @TempDir Path b) throws Exception {
    String sha256 = TestFiles.random(a.resolve("twice.iso"), 8L << 20, 10);
    network.peer("A", a, config -> config.withUploadLimit(4L << 20));
    PeerNode nodeB = network.peer("B", b);

    var first = nodeB.downloads().start(sha256);
    var second = nodeB.downloads().start(sha256);
    String firstId = first.await().downloadId();
    String secondId = second.await().downloadId();

    assertThat(secondId).isEqualTo(firstId);
    assertThat(nodeB.downloads().all().await()).hasSize(1);
    JsonObject end = Downloading.awaitEnd(network, nodeB, firstId, Duration.ofSeconds(30));
    assertThat(end.getString("state")).isEqualTo("done");
    assertThat(Sha256.ofFile(b.resolve("twice.iso"))).isEqualTo(sha256);
    assertThat(network.transfersOf(sha256)).hasSize(1);
  }
}
