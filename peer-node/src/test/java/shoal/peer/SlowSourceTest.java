package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import shoal.peer.fetch.SourcePatience;
import shoal.peer.share.Sha256;
import shoal.peer.testing.Downloading;
import shoal.peer.testing.FakeHolder;
import shoal.peer.testing.PartialDataWatch;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;
import shoal.tracker.testing.TrackerApi;

/** Too slow: a source that drips bytes, never quite silent, is judged on its rate and replaced. */
@Timeout(300)
@DisplayName("A source dripping bytes")
class SlowSourceTest {

  private static final int SIZE = 1 << 20;
  /** 64 KiB/s over 2 s: the drip below sends about 10 bytes in that time. */
  private static final SourcePatience IMPATIENT = SourcePatience.DEFAULT.withSpeedFloor(64 << 10, Duration.ofSeconds(2));

  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest();

  @Test
  @DisplayName("Is replaced by the honest holder once it stays below --speed-limit for --speed-time; the download completes within 15 s")
  void dripIsReplaced(@TempDir Path honestShare, @TempDir Path downloading) throws Exception {
    String sha256 = TestFiles.random(honestShare.resolve("paper.pdf"), SIZE, 51);
    byte[] content = Files.readAllBytes(honestShare.resolve("paper.pdf"));
    PeerNode honest = network.peer("honest", honestShare);
    try (FakeHolder drip = dripping(content); PartialDataWatch partial = new PartialDataWatch(downloading)) {
      String dripId = drip.register(network.tracker(), "drip", TrackerApi.file(sha256, "paper.pdf", SIZE));
      assertThat(network.occupyHolder(sha256, dripId)).isEqualTo(honest.peerId());
      PeerNode downloader = network.peer("downloader", downloading, config -> config.withPatience(IMPATIENT));

      long started = System.nanoTime();
      JsonObject end = Downloading.awaitEnd(network, downloader, Downloading.start(network, downloader, sha256),
          Duration.ofSeconds(15));

      assertThat(end.getString("state")).as(end.encode()).isEqualTo("done");
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
      assertThat(end.getJsonArray("sources").stream().map(source -> ((JsonObject) source).getString("peerId")))
          .containsExactly(dripId, honest.peerId());
      assertThat(Sha256.ofFile(downloading.resolve("paper.pdf"))).isEqualTo(sha256);
      assertThat(Downloading.failureReason(network, sha256, dripId)).isEqualTo("too_slow");
      assertThat(partial.most()).as("partial bytes ever held").isLessThanOrEqualTo(SIZE);
      Downloading.assertNeverBlamed(network, sha256, honest.peerId());
    }
  }

  @Test
  @DisplayName("As the only holder, it makes the download fail within 15 s with a sentence, not run for ever")
  void onlyADripFailsInBoundedTime(@TempDir Path files, @TempDir Path downloading) throws Exception {
    String sha256 = TestFiles.random(files.resolve("paper.pdf"), SIZE, 52);
    try (FakeHolder drip = dripping(Files.readAllBytes(files.resolve("paper.pdf")))) {
      drip.register(network.tracker(), "drip", TrackerApi.file(sha256, "paper.pdf", SIZE));
      PeerNode downloader = network.peer("downloader", downloading, config -> config.withPatience(IMPATIENT));

      JsonObject end = Downloading.awaitEnd(network, downloader, Downloading.start(network, downloader, sha256),
          Duration.ofSeconds(15));

      assertThat(end.getString("state")).as(end.encode()).isEqualTo("failed");
      assertThat(end.getString("error")).contains("drip").contains("minimum transfer rate");
      assertThat(downloading.resolve("paper.pdf")).doesNotExist();
      assertThat(downloading.resolve(".shoal/partial")).as("a failed download leaves no partial data").isEmptyDirectory();
    }
  }

  /** A 200 head for the whole file, then one byte of it every 200 ms: never silent for the stall timeout. */
  private static FakeHolder dripping(byte[] content) throws Exception {
    return new FakeHolder((request, out) -> {
      FakeHolder.head(out, "200 OK", "Content-Length: " + content.length);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      for (int i = 0; i < content.length && System.nanoTime() < deadline; i++) {
        out.write(content[i]);
        out.flush();
        Thread.sleep(200);
      }
    });
  }
}
