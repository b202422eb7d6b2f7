package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import shoal.peer.share.PieceLayout;
import shoal.peer.share.Sha256;
import shoal.peer.testing.Downloading;
import shoal.peer.testing.Eventually;
import shoal.peer.testing.FakeHolder;
import shoal.peer.testing.PartialDataWatch;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;
import shoal.tracker.testing.TrackerApi;

/** Sizes: each source is held to its own declared size, and only the sources that sent bad bytes are blamed. */
@Timeout(180)
@DisplayName("A holder lying about a file")
class LyingSizeTest {

  private static final int SIZE = 1 << 20;

  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest();

  @Test
  @DisplayName("A holder declaring a wrong size is blamed alone, and the download completes from the honest holder within 30 s, identical")
  void wrongSizeCostsOnlyTheLiar(@TempDir Path honestShare, @TempDir Path downloading) throws Exception {
    String sha256 = TestFiles.random(honestShare.resolve("build.zip"), SIZE, 31);
    byte[] content = Files.readAllBytes(honestShare.resolve("build.zip"));
    PeerNode honest = network.peer("honest", honestShare);
    // It claims the file has 1 000 bytes and sends the real file's first 1 000.
    try (FakeHolder liar = new FakeHolder((request, out) -> {
      FakeHolder.head(out, "200 OK", "Content-Length: 1000");
      out.write(content, 0, 1000);
    });
        PartialDataWatch partial = new PartialDataWatch(downloading)) {
      String liarId = liar.register(network.tracker(), "liar", TrackerApi.file(sha256, "build.zip", 1000));
      assertThat(network.occupyHolder(sha256, liarId)).isEqualTo(honest.peerId());
      PeerNode downloader = network.peer("downloader", downloading);

      JsonObject end = Downloading.awaitEnd(network, downloader, Downloading.start(network, downloader, sha256),
          Duration.ofSeconds(30));

      assertThat(end.getString("state")).as(end.encode()).isEqualTo("done");
      assertThat(end.getLong("size")).isEqualTo(SIZE);
      JsonArray sources = end.getJsonArray("sources");
      assertThat(sources.stream().map(source -> ((JsonObject) source).getString("peerId")))
          .containsExactly(liarId, honest.peerId());
      assertThat(sources.getJsonObject(1).getLong("bytes")).as("all of it from the honest holder").isEqualTo(SIZE);
      assertThat(Sha256.ofFile(downloading.resolve("build.zip"))).isEqualTo(sha256);
      assertThat(Downloading.failureReason(network, sha256, liarId)).isEqualTo("corrupt");
      assertThat(partial.most()).as("partial bytes ever held").isLessThanOrEqualTo(SIZE);
      Downloading.assertNeverBlamed(network, sha256, honest.peerId());
    }
  }

  @Test
  @DisplayName("When a liar's bytes and an honest holder's fail verification together, the honest holder is not blamed and the file is fetched whole from it")
  void mixedBytesBlameNoHonestHolder(@TempDir Path honestShare, @TempDir Path downloading) throws Exception {
    String sha256 = TestFiles.random(honestShare.resolve("dataset.bin"), SIZE, 32);
    PeerNode honest = network.peer("honest", honestShare);
    byte[] garbage = new byte[SIZE / 2];
    IntStream.range(0, garbage.length).forEach(i -> garbage[i] = (byte) i);
    // Every time: a 200 for the whole file, half of it wrong, then it hangs up as if it had crashed.
    AtomicBoolean sent = new AtomicBoolean();
    try (FakeHolder liar = new FakeHolder((request, out) -> {
      FakeHolder.head(out, "200 OK", "Content-Length: " + SIZE);
      out.write(garbage);
      sent.set(true);
    })) {
      String liarId = liar.register(network.tracker(), "liar", TrackerApi.file(sha256, "dataset.bin", SIZE));
      assertThat(network.occupyHolder(sha256, liarId)).isEqualTo(honest.peerId());
      PeerNode downloader = network.peer("downloader", downloading);

      JsonObject end = Downloading.awaitEnd(network, downloader, Downloading.start(network, downloader, sha256),
          Duration.ofSeconds(30));

      assertThat(sent).isTrue();
      assertThat(end.getString("state")).as(end.encode()).isEqualTo("done");
      assertThat(Sha256.ofFile(downloading.resolve("dataset.bin"))).isEqualTo(sha256);
      Downloading.assertNeverBlamed(network, sha256, honest.peerId());
      // Failures reach the tracker a moment after the download shows them: it does not wait for the answer.
      Eventually.within(Duration.ofSeconds(5), () -> assertThat(network.transfersOf(sha256).stream()
              .filter(transfer -> honest.peerId().equals(transfer.getString("from")))
              .map(transfer -> transfer.getString("state") + ":" + transfer.getString("reason")))
          .as("the mixed verification is reported without blame, then the whole file comes from the honest holder")
          .contains("failed:inconclusive", "completed:null"));
      JsonArray sources = end.getJsonArray("sources");
      JsonObject last = sources.getJsonObject(sources.size() - 1);
      assertThat(last.getString("peerId")).isEqualTo(honest.peerId());
      assertThat(last.getLong("bytes")).as("the last attempt fetched the whole file from the honest holder").isEqualTo(SIZE);
    }
  }

  @Test
  @DisplayName("A holder whose piece list matches its own wrong bytes is blamed once the whole file fails, and the honest holder's list and bytes finish it")
  void lyingPieceListCostsOnlyTheLiar(@TempDir Path honestShare, @TempDir Path downloading) throws Exception {
    long size = 8L << 20;
    String sha256 = TestFiles.random(honestShare.resolve("model.bin"), size, 33);
    PeerNode honest = network.peer("honest", honestShare);
    byte[] wrong = new byte[(int) size];
    new java.util.Random(34).nextBytes(wrong);
    PieceLayout layout = PieceLayout.of(size);
    JsonArray wrongPieces = new JsonArray();
    for (int piece = 0; piece < layout.count(); piece++) {
      java.security.MessageDigest digest = Sha256.newDigest();
      digest.update(wrong, (int) layout.start(piece), layout.length(piece));
      wrongPieces.add(Sha256.hex(digest));
    }
    // Consistent with itself: every piece it sends matches the list it gives, the file does not match its hash.
    String list = new JsonObject().put("sha256", sha256).put("size", size).put("pieceSize", layout.pieceSize())
        .put("pieces", wrongPieces).encode();
    try (FakeHolder liar = new FakeHolder((request, out) -> {
      if (request.target().endsWith("/pieces")) {
        FakeHolder.head(out, "200 OK", "Content-Type: application/json", "Content-Length: " + list.length());
        out.write(list.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return;
      }
      FakeHolder.answerRange(request, out, wrong, (body, from, to) -> body.write(wrong, (int) from, (int) (to - from)));
    })) {
      String liarId = liar.register(network.tracker(), "liar", TrackerApi.file(sha256, "model.bin", size));
      assertThat(network.occupyHolder(sha256, liarId)).isEqualTo(honest.peerId());
      PeerNode downloader = network.peer("downloader", downloading);

      JsonObject end = Downloading.awaitEnd(network, downloader, Downloading.start(network, downloader, sha256),
          Duration.ofSeconds(30));

      assertThat(end.getString("state")).as(end.encode()).isEqualTo("done");
      assertThat(Sha256.ofFile(downloading.resolve("model.bin"))).isEqualTo(sha256);
      assertThat(Downloading.failureReason(network, sha256, liarId)).isEqualTo("corrupt");
      Downloading.assertNeverBlamed(network, sha256, honest.peerId());
      JsonArray sources = end.getJsonArray("sources");
      assertThat(sources.getJsonObject(sources.size() - 1).getString("peerId")).isEqualTo(honest.peerId());
    }
  }
}
