package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.BitSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import shoal.common.transfer.PieceBitfield;
import shoal.peer.share.PieceLayout;
import shoal.peer.share.SharedFile;
import shoal.peer.testing.Downloading;
import shoal.peer.testing.Eventually;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.RawHttp;
import shoal.peer.testing.RawHttp.Reply;
import shoal.peer.testing.TestFiles;

/**
 * A peer still downloading a file serves the pieces it has verified, and nothing else of it: the
 * crowd's pieces never include a byte that was not checked, and the file is never shared whole
 * before the whole-file check.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("A peer holding part of a file")
class PartialHolderFilesPortTest {

  private static final long SIZE = 32L << 20;
  private static final PieceLayout LAYOUT = PieceLayout.of(SIZE);

  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest();

  @Test
  @DisplayName("serves ranges within its verified pieces only, lists which those are, answers 416 in the error shape for the rest, and shares nothing of the file until it is whole and checked")
  void servesOnlyVerifiedPieces(@TempDir Path seedShare, @TempDir Path share) throws Exception {
    String sha256 = TestFiles.random(seedShare.resolve("dataset.bin"), SIZE, 131);
    byte[] content = Files.readAllBytes(seedShare.resolve("dataset.bin"));
    // 32 MiB at 2 MiB/s: 16 s, long enough to look at the downloader halfway.
    network.peer("seed", seedShare, config -> config.withUploadLimit(2L << 20));
    PeerNode downloader = network.peer("downloader", share);
    String downloadId = Downloading.start(network, downloader, sha256);

    BitSet[] held = new BitSet[1];
    Eventually.within(Duration.ofSeconds(30), () -> {
      Reply list = RawHttp.send(downloader.filesPort(), "GET", "/files/" + sha256 + "/pieces");
      assertThat(list.status()).as(list.bodyText()).isEqualTo(200);
      JsonObject pieces = new JsonObject(list.bodyText());
      assertThat(pieces.getLong("size")).isEqualTo(SIZE);
      assertThat(pieces.getJsonArray("pieces")).hasSize(LAYOUT.count());
      held[0] = PieceBitfield.decode(pieces.getString("have"), LAYOUT.count());
      assertThat(held[0].cardinality()).as("pieces verified so far").isPositive();
    });
    assertThat(held[0].cardinality()).as("the download is still under way").isLessThan(LAYOUT.count());
    int verified = held[0].nextSetBit(0);
    int missing = held[0].nextClearBit(0);

    long start = LAYOUT.start(verified) + 1000;
    Reply inside = RawHttp.send(downloader.filesPort(), "GET", "/files/" + sha256,
        "Range: bytes=" + start + "-" + (start + 99_999));
    assertThat(inside.status()).isEqualTo(206);
    assertThat(inside.body()).isEqualTo(Arrays.copyOfRange(content, (int) start, (int) start + 100_000));

    Reply outside = RawHttp.send(downloader.filesPort(), "GET", "/files/" + sha256,
        "Range: bytes=" + LAYOUT.start(missing) + "-" + (LAYOUT.start(missing) + 99));
    assertThat(outside.status()).isEqualTo(416);
    assertThat(new JsonObject(outside.bodyText()).getString("error")).isEqualTo("range_not_satisfiable");
    assertThat(new JsonObject(outside.bodyText()).getString("message")).contains("verified");
    Reply whole = RawHttp.send(downloader.filesPort(), "GET", "/files/" + sha256);
    assertThat(whole.status()).as("the whole file, while pieces are missing").isEqualTo(416);

    assertThat(downloader.index().files()).as("files the downloader shares").isEmpty();
    try (Stream<Path> inShare = Files.list(share)) {
      assertThat(inShare.map(path -> path.getFileName().toString())).as("the share folder").containsExactly(".shoal");
    }

    JsonObject end = Downloading.awaitEnd(network, downloader, downloadId, Duration.ofSeconds(60));
    assertThat(end.getString("state")).as(end.encode()).isEqualTo("done");
    assertThat(downloader.index().files()).extracting(SharedFile::sha256).containsExactly(sha256);
    Reply list = RawHttp.send(downloader.filesPort(), "GET", "/files/" + sha256 + "/pieces");
    assertThat(new JsonObject(list.bodyText()).containsKey("have")).as("a whole file's list names no pieces held").isFalse();
  }
}
