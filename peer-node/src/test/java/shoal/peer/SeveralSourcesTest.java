package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.SoftAssertions.assertSoftly;

import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import shoal.peer.share.PieceLayout;
import shoal.peer.share.Sha256;
import shoal.peer.testing.Downloading;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;

/**
 * Several sources at once: a download takes verified pieces from up to {@code --sources} holders
 * together, so holders whose uplinks are capped add up, and a fast holder is not held back by a
 * slow one.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("A file held by several peers")
class SeveralSourcesTest {

  private static final long SIZE = 64L << 20;
  private static final int PIECES = PieceLayout.of(SIZE).count();

  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest();

  @Test
  @DisplayName("Comes from three holders capped at 8 MiB/s in at most 0.4 of the time one of them takes, each supplying pieces and credited with them, and is identical")
  void threeLimitedHoldersBeatOne(@TempDir Path root) throws Exception {
    // The yardstick: a file of the same size held by one holder with the same cap, on the same
    // network and machine, downloaded by the same node just before.
    String alone = TestFiles.random(root.resolve("solo").resolve("baseline.bin"), SIZE, 71);
    String shared = TestFiles.random(root.resolve("holder-1").resolve("film.mkv"), SIZE, 72);
    TestFiles.random(root.resolve("holder-2").resolve("film.mkv"), SIZE, 72);
    TestFiles.random(root.resolve("holder-3").resolve("film.mkv"), SIZE, 72);
    network.peer("solo", root.resolve("solo"), capped(8 << 20));
    List<PeerNode> holders = List.of(
        network.peer("holder-1", root.resolve("holder-1"), capped(8 << 20)),
        network.peer("holder-2", root.resolve("holder-2"), capped(8 << 20)),
        network.peer("holder-3", root.resolve("holder-3"), capped(8 << 20)));
    Path downloading = root.resolve("downloader");
    PeerNode downloader = network.peer("downloader", downloading);

    long soloStarted = System.nanoTime();
    JsonObject soloEnd = Downloading.awaitEnd(network, downloader, Downloading.start(network, downloader, alone),
        Duration.ofSeconds(40));
    Duration fromOne = Duration.ofNanos(System.nanoTime() - soloStarted);
    assertThat(soloEnd.getString("state")).as(soloEnd.encode()).isEqualTo("done");

    long bytesBefore = bytesTransferred();
    long started = System.nanoTime();
    JsonObject end = Downloading.awaitEnd(network, downloader, Downloading.start(network, downloader, shared),
        Duration.ofSeconds(40));
    Duration fromThree = Duration.ofNanos(System.nanoTime() - started);
    System.out.printf("64 MiB from one holder at 8 MiB/s: %d ms; from three: %d ms (%.2f of it)%n",
        fromOne.toMillis(), fromThree.toMillis(), (double) fromThree.toNanos() / fromOne.toNanos());

    assertThat(end.getString("state")).as(end.encode()).isEqualTo("done");
    assertThat(Sha256.ofFile(downloading.resolve("film.mkv"))).isEqualTo(shared);
    Map<String, JsonObject> sources = byPeer(end);
    assertSoftly(soft -> {
      soft.assertThat(sources.keySet()).as("sources of " + end.encode())
          .containsExactlyInAnyOrderElementsOf(holders.stream().map(PeerNode::peerId).toList());
      for (PeerNode holder : holders) {
        JsonObject source = sources.getOrDefault(holder.peerId(), new JsonObject());
        soft.assertThat(source.getLong("bytes", 0L)).as("bytes from " + holder.config().name() + " in " + end.encode()).isPositive();
        soft.assertThat(source.getInteger("pieces", 0)).as("pieces from " + holder.config().name() + " in " + end.encode())
            .isGreaterThanOrEqualTo(1);
        // Credited with what it sent (a holder may also have sent part of a last piece another won), not the whole file.
        soft.assertThat(network.peerAtTracker(holder.peerId()).getLong("servedTotal"))
            .as("servedTotal of " + holder.config().name() + " at the tracker, against " + end.encode())
            .isPositive().isLessThanOrEqualTo(source.getLong("bytes", 0L));
      }
      // The file once (plus what several holders sent of the same last pieces), not once per holder.
      soft.assertThat(bytesTransferred() - bytesBefore).as("growth of the tracker's bytesTransferred")
          .isGreaterThanOrEqualTo(SIZE).isLessThan(2 * SIZE);
      soft.assertThat(sources.values().stream().mapToInt(source -> source.getInteger("pieces", 0)).sum())
          .as("verified pieces supplied in all, each once").isEqualTo(PIECES);
      soft.assertThat(fromThree.toNanos()).as("time from three holders (%d ms) against 0.4 of the time from one (%d ms)",
          fromThree.toMillis(), fromOne.toMillis()).isLessThanOrEqualTo((long) (0.4 * fromOne.toNanos()));
    });
  }

  @Test
  @DisplayName("Takes more pieces from a holder capped at 16 MiB/s than from one capped at 2 MiB/s, and some from each")
  void fasterSourcesTakeMorePieces(@TempDir Path root) throws Exception {
    String sha256 = TestFiles.random(root.resolve("fast").resolve("dataset.tar"), SIZE, 73);
    TestFiles.random(root.resolve("slow").resolve("dataset.tar"), SIZE, 73);
    PeerNode fast = network.peer("fast", root.resolve("fast"), capped(16 << 20));
    PeerNode slow = network.peer("slow", root.resolve("slow"), capped(2 << 20));
    // The slow holder is the first source: the fast one must still end up doing most of the work.
    assertThat(network.occupyHolder(sha256, slow.peerId())).isEqualTo(fast.peerId());
    Path downloading = root.resolve("downloader");
    PeerNode downloader = network.peer("downloader", downloading);

    // 64 MiB at 16 + 2 MiB/s is under 4 s; the fast holder alone would take 4 s, the slow one 32 s.
    JsonObject end = Downloading.awaitEnd(network, downloader, Downloading.start(network, downloader, sha256),
        Duration.ofSeconds(15));

    assertThat(end.getString("state")).as(end.encode()).isEqualTo("done");
    assertThat(Sha256.ofFile(downloading.resolve("dataset.tar"))).isEqualTo(sha256);
    Map<String, JsonObject> sources = byPeer(end);
    assertThat(sources).as("sources of " + end.encode()).containsKeys(fast.peerId(), slow.peerId());
    int fromFast = sources.get(fast.peerId()).getInteger("pieces", 0);
    int fromSlow = sources.get(slow.peerId()).getInteger("pieces", 0);
    assertThat(fromSlow).as("pieces from the slow holder in " + end.encode()).isGreaterThanOrEqualTo(1);
    assertThat(fromFast).as("pieces from the fast holder in " + end.encode()).isGreaterThan(fromSlow);
    assertThat(fromFast + fromSlow).as("verified pieces supplied in all, each once").isEqualTo(PIECES);
    Downloading.assertNeverBlamed(network, sha256, fast.peerId());
    Downloading.assertNeverBlamed(network, sha256, slow.peerId());
  }

  private long bytesTransferred() {
    return network.tracker().get("/api/v1/stats").bodyAsJsonObject().getLong("bytesTransferred");
  }

  private static UnaryOperator<PeerConfig> capped(long bytesPerSecond) {
    return config -> config.withUploadLimit(bytesPerSecond);
  }

  /** The download's {@code sources}, by peer id; a holder used twice is summed. */
  private static Map<String, JsonObject> byPeer(JsonObject download) {
    return download.getJsonArray("sources").stream().map(JsonObject.class::cast)
        .collect(Collectors.toMap(source -> source.getString("peerId"), JsonObject::copy, (a, b) -> new JsonObject()
            .put("peerId", a.getString("peerId"))
            .put("bytes", a.getLong("bytes", 0L) + b.getLong("bytes", 0L))
            .put("pieces", a.getInteger("pieces", 0) + b.getInteger("pieces", 0))));
  }
}
