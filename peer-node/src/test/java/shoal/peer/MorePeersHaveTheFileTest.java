package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import shoal.peer.share.Sha256;
import shoal.peer.testing.Downloading;
import shoal.peer.testing.FakeHolder;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;
import shoal.tracker.testing.TrackerApi;

/** Seed scenario 4: more than one peer has the requested file, and the tracker balances the load. */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("More than one peer has the requested file")
class MorePeersHaveTheFileTest {

  private static final long SIZE = 8L << 20;
  private static final int DOWNLOADERS = 6;

  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest();

  @Test
  @DisplayName("With three holders and six downloaders at once, each holder serves two (least-loaded), as the tracker's transfers show")
  void spreadsTheLoad(@TempDir Path root) throws Exception {
    String sha256 = TestFiles.random(root.resolve("album.zip"), SIZE, 9);
    byte[] content = Files.readAllBytes(root.resolve("album.zip"));
    // The holders send nothing until all six downloads have asked: every transfer is still active
    // when the last one is given its source, however fast the machine or the first downloads are.
    CountDownLatch allAsked = new CountDownLatch(DOWNLOADERS);
    FakeHolder.Answer gated = (request, out) -> {
      if (request.target().endsWith("/pieces")) {
        FakeHolder.head(out, "404 Not Found", "Content-Length: 0");
        return;
      }
      allAsked.countDown();
      if (!allAsked.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("not every download asked within 30 s");
      }
      FakeHolder.head(out, "200 OK", "Content-Length: " + content.length);
      out.write(content);
    };
    List<FakeHolder> holders = new ArrayList<>();
    List<String> holderIds = new ArrayList<>();
    try {
      for (int i = 1; i <= 3; i++) {
        FakeHolder holder = new FakeHolder(gated);
        holders.add(holder);
        holderIds.add(holder.register(network.tracker(), "holder-" + i, TrackerApi.file(sha256, "album.zip", SIZE)));
      }
      List<PeerNode> downloaders = new ArrayList<>();
      for (int i = 1; i <= DOWNLOADERS; i++) {
        downloaders.add(network.peer("downloader-" + i, root.resolve("downloader-" + i)));
      }

      List<String> downloadIds = downloaders.parallelStream()
          .map(downloader -> Downloading.start(network, downloader, sha256)).toList();
      for (int i = 0; i < downloaders.size(); i++) {
        JsonObject end = Downloading.awaitEnd(network, downloaders.get(i), downloadIds.get(i), Duration.ofSeconds(60));
        assertThat(end.getString("state")).as(end.encode()).isEqualTo("done");
        assertThat(Sha256.ofFile(root.resolve("downloader-" + (i + 1)).resolve("album.zip"))).isEqualTo(sha256);
      }

      List<JsonObject> transfers = network.transfersOf(sha256);
      assertThat(transfers).hasSize(DOWNLOADERS).allSatisfy(t -> assertThat(t.getString("state")).isEqualTo("completed"));
      Map<String, Long> servedBy = transfers.stream()
          .collect(Collectors.groupingBy(t -> t.getString("from"), Collectors.counting()));
      assertThat(servedBy).isEqualTo(holderIds.stream().collect(Collectors.toMap(id -> id, id -> 2L)));
      assertThat(transfers.stream().map(t -> t.getString("to")).distinct())
          .containsExactlyInAnyOrderElementsOf(downloaders.stream().map(PeerNode::peerId).toList());
    } finally {
      for (FakeHolder holder : holders) {
        holder.close();
      }
    }
  }
}
