package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import shoal.peer.share.PieceLayout;
import shoal.peer.share.Sha256;
import shoal.peer.testing.ChildJvm;
import shoal.peer.testing.Downloading;
import shoal.peer.testing.Eventually;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;
import shoal.tracker.testing.TrackerApi;

/** Resume: a download outlives a kill -9 of its peer and carries on by itself from the bytes on disk. */
@ExtendWith(VertxExtension.class)
@Timeout(180)
@DisplayName("A download whose peer is killed")
class DownloadResumeTest {

  private static final long SIZE = 256L << 20;
  private static final String TOKEN = "resume-test-control-token";

  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest();

  @Test
  @DisplayName("Is killed with -9 at about half of 256 MiB, and finishes by itself after a restart, identical, fetching less than 60 % again")
  void resumesAfterKill9(Vertx vertx, @TempDir Path holderShare, @TempDir Path share, @TempDir Path logs) throws Exception {
    String sha256 = TestFiles.random(holderShare.resolve("disk-image.raw"), SIZE, 91);
    // Paced, so that the kill lands mid-file: 256 MiB at 32 MiB/s takes 8 s.
    network.peer("holder", holderShare, config -> config.withUploadLimit(32L << 20));
    ChildJvm first = downloader(share, logs);
    TrackerApi control = PeerNetwork.controlClient(vertx, first.urls().get(1));
    try {
      var started = control.post("/api/v1/downloads", TOKEN, new JsonObject().put("sha256", sha256));
      assertThat(started.statusCode()).as(started.bodyAsString()).isEqualTo(202);
      String downloadId = started.bodyAsJsonObject().getString("downloadId");
      Eventually.within(Duration.ofSeconds(60), () -> assertThat(control.send(HttpMethod.GET,
          "/api/v1/downloads/" + downloadId, TOKEN, null).bodyAsJsonObject().getLong("bytes")).isGreaterThan(SIZE / 2));
    } finally {
      control.close();
    }
    first.kill9();
    long onDisk = verifiedBytesListed(share.resolve(".shoal/partial/" + sha256 + ".have"));
    assertThat(onDisk).as("bytes of the pieces listed as verified on disk").isGreaterThan(SIZE * 2 / 5).isLessThan(SIZE);

    ChildJvm second = downloader(share, logs);
    TrackerApi again = PeerNetwork.controlClient(vertx, second.urls().get(1));
    try {
      Eventually.within(Duration.ofSeconds(90), () -> {
        JsonArray downloads = again.send(HttpMethod.GET, "/api/v1/downloads", TOKEN, null).bodyAsJsonArray();
        assertThat(downloads).hasSize(1);
        assertThat(downloads.getJsonObject(0).getString("state")).as(downloads.encode()).isEqualTo("done");
      });
      JsonObject resumed = again.send(HttpMethod.GET, "/api/v1/downloads", TOKEN, null).bodyAsJsonArray().getJsonObject(0);
      long fetchedAgain = resumed.getJsonArray("sources").stream().mapToLong(source -> ((JsonObject) source).getLong("bytes")).sum();
      // Only the pieces that were not listed as verified (and matched again) are fetched again.
      assertThat(fetchedAgain).as("bytes fetched after the restart").isLessThan(SIZE * 6 / 10)
          .isBetween(SIZE - onDisk, SIZE - onDisk + PieceLayout.of(SIZE).pieceSize());
      assertThat(Sha256.ofFile(share.resolve("disk-image.raw"))).isEqualTo(sha256);
      assertThat(partialData(share)).as("nothing is left in .shoal/partial").isEmpty();
    } finally {
      again.close();
      second.stop();
    }
  }

  @Test
  @DisplayName("Is stopped gracefully mid-file, and the next start of the node carries on with it by itself")
  void carriesOnAfterAStop(@TempDir Path holderShare, @TempDir Path share) throws Exception {
    long size = 32L << 20;
    String sha256 = TestFiles.random(holderShare.resolve("backup.tar"), size, 92);
    network.peer("holder", holderShare, config -> config.withUploadLimit(8L << 20));
    PeerNode first = network.peer("downloader", share);
    String downloadId = Downloading.start(network, first, sha256);
    Eventually.within(Duration.ofSeconds(30), () ->
        assertThat(first.downloads().find(downloadId).await().orElseThrow().bytes()).isGreaterThan(size / 4));
    first.close();
    assertThat(partialData(share)).extracting(path -> path.getFileName().toString())
        .containsExactlyInAnyOrder(sha256 + ".part", sha256 + ".have", sha256 + ".download");

    PeerNode second = network.peer("downloader", share);
    Eventually.within(Duration.ofSeconds(30), () -> assertThat(second.downloads().all().await())
        .singleElement().satisfies(download -> assertThat(download.done()).isTrue()));
    assertThat(Sha256.ofFile(share.resolve("backup.tar"))).isEqualTo(sha256);
    assertThat(partialData(share)).isEmpty();
  }

  @Test
  @DisplayName("Partial data that no unfinished download owns is removed when the node starts")
  void strayPartialDataIsRemoved(@TempDir Path share) throws Exception {
    Path partial = Files.createDirectories(share.resolve(".shoal/partial"));
    Files.write(partial.resolve(TrackerApi.sha("abandoned") + ".part"), new byte[4096]);
    Files.writeString(partial.resolve(TrackerApi.sha("half-written") + ".download.tmp"), "{\"sha");
    Files.writeString(partial.resolve("leftover.bin"), "no download owns this");

    network.peer("starting", share);

    assertThat(partialData(share)).isEmpty();
  }

  /** The bytes of the distinct pieces a {@code .have} file lists (as 4-byte piece numbers). */
  private static long verifiedBytesListed(Path have) throws Exception {
    PieceLayout layout = PieceLayout.of(SIZE);
    ByteBuffer listed = ByteBuffer.wrap(Files.readAllBytes(have));
    BitSet pieces = new BitSet();
    while (listed.remaining() >= Integer.BYTES) {
      pieces.set(listed.getInt());
    }
    return pieces.stream().mapToLong(layout::length).sum();
  }

  /** The downloading peer, as a process of its own that the test can kill with -9. */
  private ChildJvm downloader(Path share, Path logs) throws Exception {
    return ChildJvm.startMain("shoal.peer.Main", List.of("peer", "--tracker", network.trackerUrl(),
        "--share", share.toString(), "--name", "downloader", "--port", "0", "--control-port", "0",
        "--control-token", TOKEN), logs.resolve("downloader.log"), 2, 60);
  }

  private static List<Path> partialData(Path share) throws Exception {
    Path partial = share.resolve(".shoal/partial");
    if (!Files.isDirectory(partial)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(partial)) {
      return files.toList();
    }
  }
}
