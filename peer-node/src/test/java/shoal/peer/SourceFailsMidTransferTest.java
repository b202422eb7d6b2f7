package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import shoal.peer.share.PieceLayout;
import shoal.peer.share.Sha256;
import shoal.peer.testing.Downloading;
import shoal.peer.testing.Eventually;
import shoal.peer.testing.FakeHolder;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;
import shoal.tracker.testing.TrackerApi;

/** Failover: a source that dies mid-transfer is replaced, and the download resumes where it stopped. */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("A source failing mid-transfer")
class SourceFailsMidTransferTest {

  private static final long SIZE = 32L << 20;

  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest();


  @Test
  @DisplayName("With one source at a time (--sources 1), when the source is killed mid-transfer the download completes from another holder, identical, fetching only the rest")
  void resumesFromAnotherHolder(@TempDir Path first, @TempDir Path second, @TempDir Path downloading) throws Exception {
    String sha256 = TestFiles.random(first.resolve("dataset.csv"), SIZE, 11);
    TestFiles.random(second.resolve("dataset.csv"), SIZE, 11);
    PeerNode slow = network.peer("slow", first, config -> config.withUploadLimit(4L << 20));
    PeerNode backup = network.peer("backup", second);
    PeerNode downloader = network.peer("downloader", downloading, config -> config.withSources(1));
    assertThat(network.occupyHolder(sha256, slow.peerId())).isEqualTo(backup.peerId());
    String slowId = slow.peerId();

    String downloadId = Downloading.start(network, downloader, sha256);
    Eventually.within(Duration.ofSeconds(20), () ->
        assertThat(downloader.downloads().find(downloadId).await().orElseThrow().bytes()).isGreaterThan(4L << 20));
    slow.kill();
    JsonObject end = Downloading.awaitEnd(network, downloader, downloadId, Duration.ofSeconds(60));

    assertThat(end.getString("state")).as(end.encode()).isEqualTo("done");
    assertThat(Sha256.ofFile(downloading.resolve("dataset.csv"))).isEqualTo(sha256);
    JsonArray sources = end.getJsonArray("sources");
    assertThat(sources).hasSize(2);
    assertThat(sources.getJsonObject(0).getString("peerId")).isEqualTo(slowId);
    assertThat(sources.getJsonObject(1).getString("peerId")).isEqualTo(backup.peerId());
    long fromSlow = sources.getJsonObject(0).getLong("bytes");
    long fromBackup = sources.getJsonObject(1).getLong("bytes");
    // Resumed at the end of the last piece that matched its hash: the rest, in whole pieces.
    int piece = PieceLayout.of(SIZE).pieceSize();
    assertThat(fromBackup).isLessThan(SIZE).isGreaterThan(0);
    assertThat(fromBackup % piece).as("the backup sent whole pieces").isZero();
    assertThat(fromSlow + fromBackup).isBetween(SIZE, SIZE + piece);
    Map<String, String> stateBySource = network.transfersOf(sha256).stream()
        .filter(t -> downloader.peerId().equals(t.getString("to")))
        .collect(Collectors.toMap(t -> String.valueOf(t.getString("from")), t -> t.getString("state")));
    assertThat(stateBySource).containsEntry(backup.peerId(), "completed").containsValue("failed");
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource({"-1, takes the request and never answers", "65536, 'sends the headers and 64 KiB of the body, then nothing'"})
  @DisplayName("A source that goes silent is given up after the stall timeout, and the download resumes from another holder")
  void silentSourceIsReplaced(long bytesBeforeSilence, String behaviour, @TempDir Path second, @TempDir Path downloading)
      throws Exception {
    long size = 1L << 20;
    String sha256 = TestFiles.random(second.resolve("notes.pdf"), size, 12);
    PeerNode backup = network.peer("backup", second);
    byte[] content = Files.readAllBytes(second.resolve("notes.pdf"));
    try (FakeHolder silent = new FakeHolder((request, out) -> {
      if (bytesBeforeSilence >= 0) {
        FakeHolder.head(out, "200 OK", "Content-Length: " + content.length);
        out.write(content, 0, (int) bytesBeforeSilence);
        out.flush();
      }
      Thread.sleep(60_000); // the connection stays open in silence until the test ends
    })) {
      String silentId = silent.register(network.tracker(), "silent", TrackerApi.file(sha256, "notes.pdf", size));
      assertThat(network.occupyHolder(sha256, silentId)).isEqualTo(backup.peerId());
      PeerNode downloader = network.peer("downloader", downloading, config -> config.withStallTimeout(Duration.ofSeconds(1)));

      JsonObject end = Downloading.awaitEnd(network, downloader, Downloading.start(network, downloader, sha256),
          Duration.ofSeconds(30));

      assertThat(end.getString("state")).as(end.encode()).isEqualTo("done");
      JsonArray sources = end.getJsonArray("sources");
      assertThat(sources.stream().map(source -> ((JsonObject) source).getString("peerId")))
          .containsExactly(silentId, backup.peerId());
      assertThat(sources.getJsonObject(0).getLong("bytes")).isEqualTo(Math.max(0, bytesBeforeSilence));
      assertThat(sources.getJsonObject(1).getLong("bytes")).as("only the rest").isEqualTo(size - Math.max(0, bytesBeforeSilence));
      assertThat(Sha256.ofFile(downloading.resolve("notes.pdf"))).isEqualTo(sha256);
    }
  }

  @Test
  @DisplayName("When the only holder drops the connection half-way, it gets a second chance and the download resumes from it")
  void onlyHolderGetsASecondChance(@TempDir Path files, @TempDir Path downloading) throws Exception {
    long size = 2L << 20;
    String sha256 = TestFiles.random(files.resolve("thesis.pdf"), size, 13);
    byte[] content = Files.readAllBytes(files.resolve("thesis.pdf"));
    AtomicBoolean dropped = new AtomicBoolean();
    // Its first answer is a 200 head for the whole file, half of it, then a hang-up; later ones
    // are answered as HTTP asks, Range: bytes=N- with a 206.
    try (FakeHolder dropping = new FakeHolder((request, out) -> {
      long from = request.rangeStart();
      if (from == 0) {
        FakeHolder.head(out, "200 OK", "Content-Length: " + content.length);
      } else {
        FakeHolder.head(out, "206 Partial Content", "Content-Length: " + (content.length - from),
            "Content-Range: bytes " + from + "-" + (content.length - 1) + "/" + content.length);
      }
      int end = dropped.compareAndSet(false, true) ? (int) size / 2 : content.length;
      out.write(content, (int) from, end - (int) from);
    })) {
      String droppingId = dropping.register(network.tracker(), "dropping", TrackerApi.file(sha256, "thesis.pdf", size));
      // The hang-up may reach a response held back for the disk only as silence: a short stall
      // timeout keeps the test short.
      PeerNode downloader = network.peer("downloader", downloading, config -> config.withStallTimeout(Duration.ofSeconds(1)));

      JsonObject end = Downloading.awaitEnd(network, downloader, Downloading.start(network, downloader, sha256),
          Duration.ofSeconds(30));

      assertThat(end.getString("state")).as(end.encode()).isEqualTo("done");
      JsonArray sources = end.getJsonArray("sources");
      assertThat(sources.stream().map(source -> ((JsonObject) source).getString("peerId")))
          .containsExactly(droppingId, droppingId);
      assertThat(sources.getJsonObject(1).getLong("bytes")).as("only the rest").isEqualTo(size / 2);
      assertThat(Sha256.ofFile(downloading.resolve("thesis.pdf"))).isEqualTo(sha256);
    }
  }
}
