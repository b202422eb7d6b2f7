package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import shoal.peer.share.Sha256;
import shoal.peer.testing.Downloading;
import shoal.peer.testing.FakeHolder;
import shoal.peer.testing.PartialDataWatch;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;
import shoal.tracker.testing.TrackerApi;

/**
 * Byte cap: a source never makes a downloader hold more than the file's size, and a full disk
 * ends the download with a sentence instead of blaming the source.
 */
@Timeout(180)
@DisplayName("A source sending more than the file")
class EndlessSourceTest {

  private static final int SIZE = 1 << 20;
  private static final byte[] CHUNK = new byte[64 << 10];

  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest();

  /** Ways of sending more than the declared size. */
  enum Excess {
    ENDLESS_CHUNKED_BODY("oversized") {
      @Override
      void send(OutputStream out) throws IOException {
        FakeHolder.head(out, "200 OK", "Transfer-Encoding: chunked");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
          out.write((Integer.toHexString(CHUNK.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
          out.write(CHUNK);
          out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
      }
    },
    CONTENT_LENGTH_OVER_THE_SIZE("size_mismatch") {
      @Override
      void send(OutputStream out) throws IOException {
        FakeHolder.head(out, "200 OK", "Content-Length: " + 64L * SIZE);
        for (int i = 0; i < 64 * SIZE / CHUNK.length; i++) {
          out.write(CHUNK);
        }
      }
    },
    CONTENT_RANGE_OF_ANOTHER_SIZE("size_mismatch") {
      @Override
      void send(OutputStream out) throws IOException {
        long claimed = 64L * SIZE;
        FakeHolder.head(out, "206 Partial Content", "Content-Range: bytes 0-" + (claimed - 1) + "/" + claimed,
            "Content-Length: " + claimed);
        for (int i = 0; i < claimed / CHUNK.length; i++) {
          out.write(CHUNK);
        }
      }
    };

    final String reason;

    Excess(String reason) {
      this.reason = reason;
    }

    abstract void send(OutputStream out) throws IOException;
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Excess.class)
  @DisplayName("Is cut off at once and blamed; the share never holds more than the file's size, and the download completes from the honest holder")
  void excessIsCutOff(Excess excess, @TempDir Path honestShare, @TempDir Path downloading) throws Exception {
    String sha256 = TestFiles.random(honestShare.resolve("image.iso"), SIZE, 41);
    PeerNode honest = network.peer("honest", honestShare);
    try (FakeHolder flooding = new FakeHolder((request, out) -> excess.send(out));
        PartialDataWatch partial = new PartialDataWatch(downloading)) {
      String floodingId = flooding.register(network.tracker(), "flooding", TrackerApi.file(sha256, "image.iso", SIZE));
      assertThat(network.occupyHolder(sha256, floodingId)).isEqualTo(honest.peerId());
      PeerNode downloader = network.peer("downloader", downloading);

      JsonObject end = Downloading.awaitEnd(network, downloader, Downloading.start(network, downloader, sha256),
          Duration.ofSeconds(30));

      assertThat(end.getString("state")).as(end.encode()).isEqualTo("done");
      assertThat(Sha256.ofFile(downloading.resolve("image.iso"))).isEqualTo(sha256);
      assertThat(partial.most()).as("partial bytes ever held").isLessThanOrEqualTo(SIZE);
      assertThat(end.getJsonArray("sources").getJsonObject(0).getLong("bytes")).isLessThanOrEqualTo(SIZE);
      assertThat(Downloading.failureReason(network, sha256, floodingId)).isEqualTo(excess.reason);
      Downloading.assertNeverBlamed(network, sha256, honest.peerId());
    }
  }

  @Test
  @DisplayName("A full disk ends the download within 20 s with a sentence saying so, and the source is not blamed")
  void fullDiskBlamesNoSource(@TempDir Path honestShare, @TempDir Path small) throws Exception {
    String sha256 = TestFiles.random(honestShare.resolve("video.mkv"), 4 * SIZE, 42);
    PeerNode honest = network.peer("honest", honestShare);
    try (SmallDisk disk = SmallDisk.mount(small, "1m")) {
      PeerNode downloader = network.peer("downloader", disk.path());

      JsonObject end = Downloading.awaitEnd(network, downloader, Downloading.start(network, downloader, sha256),
          Duration.ofSeconds(20));

      assertThat(end.getString("state")).as(end.encode()).isEqualTo("failed");
      assertThat(end.getString("error")).contains("no space left");
      assertThat(Downloading.failureReason(network, sha256, honest.peerId())).isEqualTo("downloader_error");
      Downloading.assertNeverBlamed(network, sha256, honest.peerId());
      assertThat(Files.exists(disk.path().resolve("video.mkv"))).isFalse();
      downloader.close();
    }
  }

  /** A tmpfs of a few megabytes mounted for the test (the tests run as root), unmounted after. */
  private record SmallDisk(Path path) implements AutoCloseable {

    static SmallDisk mount(Path dir, String size) throws Exception {
      run("mount", "-t", "tmpfs", "-o", "size=" + size, "shoal-test", dir.toString());
      return new SmallDisk(dir);
    }

    @Override
    public void close() throws Exception {
      run("umount", "-l", path.toString());
    }

    private static void run(String... command) throws Exception {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new AssertionError(String.join(" ", command) + " failed: " + new String(process.getInputStream().readAllBytes()));
      }
    }
  }
}
