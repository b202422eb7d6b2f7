package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import shoal.peer.share.Sha256;
import shoal.peer.testing.Downloading;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;

/** Seed scenario 4: more than one peer has the requested file, and the tracker balances the load. */
@ExtendWith(VertxExtension.class)
@DisplayName("More than one peer has the requested file")
class MorePeersHaveTheFileTest {

  private static final long SIZE = 8L << 20;

  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest();


  @Test
  @DisplayName("With three holders and six downloaders at once, each holder serves two (least-loaded), as the tracker's transfers show")
  void spreadsTheLoad(@TempDir Path root) throws Exception {
    List<PeerNode> holders = new ArrayList<>();
    String sha256 = null;
    for (int i = 1; i <= 3; i++) {
      sha256 = TestFiles.random(root.resolve("holder-" + i).resolve("album.zip"), SIZE, 9);
      // Paced so that every download is still running when the last one asks for a source.
      holders.add(network.peer("holder-" + i, root.resolve("holder-" + i), config -> config.withUploadLimit(4L << 20)));
    }
    List<PeerNode> downloaders = new ArrayList<>();
    for (int i = 1; i <= 6; i++) {
      downloaders.add(network.peer("downloader-" + i, root.resolve("downloader-" + i)));
    }

    String wanted = sha256;
    List<String> downloadIds = downloaders.parallelStream()
        .map(downloader -> Downloading.start(network, downloader, wanted)).toList();
    for (int i = 0; i < downloaders.size(); i++) {
      JsonObject end = Downloading.awaitEnd(network, downloaders.get(i), downloadIds.get(i), Duration.ofSeconds(60));
      assertThat(end.getString("state")).as(end.encode()).isEqualTo("done");
      assertThat(Sha256.ofFile(root.resolve("downloader-" + (i + 1)).resolve("album.zip"))).isEqualTo(sha256);
    }

    List<JsonObject> transfers = network.transfersOf(sha256);
    assertThat(transfers).hasSize(6).allSatisfy(t -> assertThat(t.getString("state")).isEqualTo("completed"));
    Map<String, Long> servedBy = transfers.stream()
        .collect(Collectors.groupingBy(t -> t.getString("from"), Collectors.counting()));
    assertThat(servedBy).isEqualTo(holders.stream().collect(Collectors.toMap(PeerNode::peerId, holder -> 2L)));
    assertThat(transfers.stream().map(t -> t.getString("to")).distinct())
        .containsExactlyInAnyOrderElementsOf(downloaders.stream().map(PeerNode::peerId).toList());
  }
}
