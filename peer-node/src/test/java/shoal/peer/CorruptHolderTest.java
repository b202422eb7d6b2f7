package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import shoal.peer.share.PieceLayout;
import shoal.peer.share.Sha256;
import shoal.peer.share.SharedFile;
import shoal.peer.testing.Downloading;
import shoal.peer.testing.FakeHolder;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.RawHttp;
import shoal.peer.testing.TestFiles;
import shoal.tracker.testing.TrackerApi;

/** Integrity: bytes that do not hash to the requested SHA-256 never reach the share folder. */
@ExtendWith(VertxExtension.class)
@Timeout(180)
@DisplayName("A holder serving corrupted bytes")
class CorruptHolderTest {

  private static final long SIZE = 16L << 20;

  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest();


  @Test
  @DisplayName("A corrupted piece is caught on arrival and its holder reported; only the pieces it had under way are fetched again, from the honest holder, and the file is identical")
  void neverSharesCorruptData(@TempDir Path rotten, @TempDir Path honest, @TempDir Path downloading) throws Exception {
    String sha256 = TestFiles.random(rotten.resolve("backup.tar"), SIZE, 21);
    TestFiles.random(honest.resolve("backup.tar"), SIZE, 21);
    PeerNode corrupt = network.peer("corrupt", rotten);
    PeerNode good = network.peer("good", honest);
    TestFiles.rotEveryPiece(rotten.resolve("backup.tar"));
    PeerNode downloader = network.peer("downloader", downloading);
    assertThat(network.occupyHolder(sha256, corrupt.peerId())).isEqualTo(good.peerId());

    JsonObject end = Downloading.awaitEnd(network, downloader, Downloading.start(network, downloader, sha256),
        Duration.ofSeconds(60));

    assertThat(end.getString("state")).as(end.encode()).isEqualTo("done");
    JsonArray sources = end.getJsonArray("sources");
    assertThat(sources.stream().map(s -> ((JsonObject) s).getString("peerId")))
        .containsExactly(corrupt.peerId(), good.peerId());
    // Every piece verified once; of the bytes, only the rotten holder's pieces came twice (the two
    // it had under way, as the download's only holder, when the first failed), plus at most one
    // piece the two holders fetched side by side at the end (endgame).
    PieceLayout layout = PieceLayout.of(SIZE);
    long piecesVerified = sources.stream().mapToLong(s -> ((JsonObject) s).getLong("pieces")).sum();
    long bytesReceived = sources.stream().mapToLong(s -> ((JsonObject) s).getLong("bytes")).sum();
    assertThat(piecesVerified).isEqualTo(layout.count());
    assertThat(bytesReceived).isBetween(SIZE, SIZE + 3L * layout.pieceSize());
    assertThat(sources.getJsonObject(1).getLong("pieces")).as("the honest holder supplied the rotten piece at least").isPositive();
    assertThat(Sha256.ofFile(downloading.resolve("backup.tar"))).isEqualTo(sha256);
    assertThat(regularFiles(downloading)).containsExactly(downloading.resolve("backup.tar"));
    assertThat(downloader.index().files()).extracting(SharedFile::sha256).containsExactly(sha256);
    assertThat(Downloading.failureReason(network, sha256, corrupt.peerId())).isEqualTo("corrupt");
    Downloading.assertNeverBlamed(network, sha256, good.peerId());
  }

  @Test
  @DisplayName("A holder whose first piece is wrong is cut off there, not streamed to the end, and the file comes whole from the honest holder")
  void wrongPieceCutsTheSourceOff(@TempDir Path honestShare, @TempDir Path downloading) throws Exception {
    long size = 64L << 20;
    String sha256 = TestFiles.random(honestShare.resolve("dataset.tar"), size, 22);
    byte[] content = Files.readAllBytes(honestShare.resolve("dataset.tar"));
    // Paced, so that the rotten holder's first piece (served at socket speed) is judged long before
    // the honest one could take it over at the end (endgame), which would leave it unjudged.
    PeerNode good = network.peer("good", honestShare, config -> config.withUploadLimit(16L << 20));
    byte[][] list = new byte[1][];
    AtomicBoolean askedOnce = new AtomicBoolean();
    try (FakeHolder rotten = new FakeHolder((request, out) -> {
      if (request.target().endsWith("/pieces")) {
        // The true list, fetched from the honest holder: only the bytes below are wrong.
        byte[] body = list[0];
        FakeHolder.head(out, "200 OK", "Content-Type: application/json", "Content-Length: " + body.length);
        out.write(body);
        return;
      }
      // Every piece right but the first it is asked for (wherever the download starts), whose first 4 KiB are zeros.
      boolean first = askedOnce.compareAndSet(false, true);
      FakeHolder.answerRange(request, out, content, (body, from, to) -> {
        long wrongUntil = first ? Math.min(from + 4096, to) : from;
        if (from < wrongUntil) {
          body.write(new byte[(int) (wrongUntil - from)]);
        }
        long rest = Math.max(from, wrongUntil);
        body.write(content, (int) rest, (int) (to - rest));
      });
    })) {
      list[0] = RawHttp.send(good.filesPort(), "GET", "/files/" + sha256 + "/pieces").body();
      String rottenId = rotten.register(network.tracker(), "rotten", TrackerApi.file(sha256, "dataset.tar", size));
      assertThat(network.occupyHolder(sha256, rottenId)).isEqualTo(good.peerId());
      PeerNode downloader = network.peer("downloader", downloading);

      JsonObject end = Downloading.awaitEnd(network, downloader, Downloading.start(network, downloader, sha256),
          Duration.ofSeconds(60));

      assertThat(end.getString("state")).as(end.encode()).isEqualTo("done");
      assertThat(Sha256.ofFile(downloading.resolve("dataset.tar"))).isEqualTo(sha256);
      JsonArray sources = end.getJsonArray("sources");
      assertThat(sources.getJsonObject(0).getString("peerId")).isEqualTo(rottenId);
      assertThat(sources.getJsonObject(0).getLong("bytes")).as("bytes taken from the rotten holder").isLessThan(size / 2);
      assertThat(Downloading.failureReason(network, sha256, rottenId)).isEqualTo("corrupt");
      Downloading.assertNeverBlamed(network, sha256, good.peerId());
    }
  }

  /**
   * Zeroes 4 KiB of every piece, keeping size and modification time: bit rot the holder cannot
   * notice. Every piece, so that the first it is asked for is rotten, wherever the download starts.
   */
  /** Regular files, leaving out the node's own hash cache and piece hashes (the partial folder stays in). */
  private static List<Path> regularFiles(Path dir) throws Exception {
    try (Stream<Path> all = Files.walk(dir)) {
      return all.filter(Files::isRegularFile).filter(path -> !path.endsWith(".shoal/hashes.tsv"))
          .filter(path -> !path.getParent().endsWith(".shoal/pieces")).toList();
    }
  }
}
