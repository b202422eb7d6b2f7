package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.SoftAssertions.assertSoftly;

import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import shoal.peer.share.Sha256;
import shoal.peer.testing.Downloading;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;

/**
 * A flash crowd: many machines want one file at the same moment and one machine has it. The
 * downloaders serve each other the pieces they have verified, so the crowd's own uplinks carry
 * the file instead of the seed's alone.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("A crowd downloading one file from one seed")
class FlashCrowdTest {

  private static final long SIZE = 64L << 20;
  private static final long SEED_LIMIT = 8L << 20;

  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest();

  @Test
  @DisplayName("Four downloaders starting together pass pieces to each other: each fetched pieces from another downloader, all copies are identical, and the seed served less than the four downloads")
  void downloadersServeEachOtherTheirVerifiedPieces(@TempDir Path root) throws Exception {
    String sha256 = TestFiles.random(root.resolve("seed").resolve("build-artefact.tar"), SIZE, 121);
    PeerNode seed = network.peer("seed", root.resolve("seed"), config -> config.withUploadLimit(SEED_LIMIT));
    Map<PeerNode, Path> crowd = new LinkedHashMap<>();
    for (int i = 1; i <= 4; i++) {
      Path folder = root.resolve("machine-" + i);
      crowd.put(network.peer("machine-" + i, folder), folder);
    }

    long started = System.nanoTime();
    Map<PeerNode, String> downloads = new LinkedHashMap<>();
    crowd.keySet().forEach(node -> downloads.put(node, Downloading.start(network, node, sha256)));
    List<JsonObject> ends = new ArrayList<>();
    downloads.forEach((node, id) -> ends.add(Downloading.awaitEnd(network, node, id, Duration.ofSeconds(90))));
    long millis = Duration.ofNanos(System.nanoTime() - started).toMillis();

    Set<String> downloaders = crowd.keySet().stream().map(PeerNode::peerId).collect(Collectors.toSet());
    Map<PeerNode, String> copies = new LinkedHashMap<>();
    for (Map.Entry<PeerNode, Path> machine : crowd.entrySet()) {
      Path copy = machine.getValue().resolve("build-artefact.tar");
      copies.put(machine.getKey(), copy.toFile().isFile() ? Sha256.ofFile(copy) : "(no file)");
    }
    long seedServed = network.peerAtTracker(seed.peerId()).getLong("servedTotal");
    System.out.printf("4 downloaders of 64 MiB from a seed capped at 8 MiB/s: %d ms; the seed served %d MiB%n",
        millis, seedServed >> 20);
    assertSoftly(soft -> {
      int i = 0;
      for (Map.Entry<PeerNode, Path> machine : crowd.entrySet()) {
        JsonObject end = ends.get(i++);
        String name = machine.getKey().config().name();
        soft.assertThat(end.getString("state")).as(name + ": " + end.encode()).isEqualTo("done");
        soft.assertThat(copies.get(machine.getKey())).as(name + "'s copy").isEqualTo(sha256);
        // The control API's sources: pieces from at least one other downloader.
        soft.assertThat(end.getJsonArray("sources").stream().map(JsonObject.class::cast)
                .filter(source -> downloaders.contains(source.getString("peerId")))
                .mapToInt(source -> source.getInteger("pieces", 0)).sum())
            .as("pieces " + name + " got from other downloaders: " + end.encode()).isPositive();
        // The tracker's records agree: a completed transfer from another downloader to this one.
        soft.assertThat(network.transfersOf(sha256).stream()
                .filter(transfer -> machine.getKey().peerId().equals(transfer.getString("to")))
                .filter(transfer -> downloaders.contains(transfer.getString("from")))
                .filter(transfer -> "completed".equals(transfer.getString("state"))))
            .as("completed transfers from other downloaders to " + name).isNotEmpty();
      }
      soft.assertThat(seedServed).as("bytes the seed served").isLessThan(4 * SIZE);
    });
  }
}
