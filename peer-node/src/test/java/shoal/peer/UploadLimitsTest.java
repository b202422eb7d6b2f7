package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.junit5.VertxExtension;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import shoal.peer.testing.Eventually;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;

/** What a sharer can cap: its total upload rate and how many uploads it serves at once. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
@DisplayName("Upload limits")
class UploadLimitsTest {

  private static final long MIB = 1 << 20;

  @TempDir
  Path share;
  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();


  @Test
  @DisplayName("--upload-limit 1M serves 3 MiB in no less than about 2.5 s")
  void uploadRateIsCapped() throws Exception {
    String sha256 = TestFiles.random(share.resolve("big.bin"), 3 * MIB, 3);
    PeerNode peer = network.peer("capped", share, config -> config.withUploadLimit(MIB));

    long started = System.nanoTime();
    HttpResponse<byte[]> response = http.send(fileRequest(peer, sha256), HttpResponse.BodyHandlers.ofByteArray());
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).hasSize((int) (3 * MIB));
    // 3 MiB at 1 MiB/s, less the burst a token bucket may allow at the start.
    assertThat(took).isGreaterThan(Duration.ofMillis(2_500));
  }

  @Test
  @DisplayName("beyond --max-uploads a download is told 503 with Retry-After, and the upload in progress goes on")
  void extraUploadsAreToldToRetry() throws Exception {
    String sha256 = TestFiles.random(share.resolve("slow.bin"), MIB, 4);
    PeerNode peer = network.peer("single-slot", share, config -> config.withUploadLimit(512 * 1024).withMaxUploads(1));

    HttpResponse<InputStream> first = http.send(fileRequest(peer, sha256), HttpResponse.BodyHandlers.ofInputStream());
    HttpResponse<String> second = http.send(fileRequest(peer, sha256), HttpResponse.BodyHandlers.ofString());

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(second.statusCode()).isEqualTo(503);
    assertThat(second.headers().firstValue("Retry-After")).isPresent();
    try (InputStream body = first.body()) {
      assertThat(body.readAllBytes()).hasSize((int) MIB);
    }
  }

  @Test
  @DisplayName("a downloader that hangs up mid-file gives its upload slot back at once, under the upload limit too")
  void aHangUpFreesTheSlot() throws Exception {
    String sha256 = TestFiles.random(share.resolve("dropped.bin"), 4 * MIB, 5);
    PeerNode peer = network.peer("one-slot", share, config -> config.withUploadLimit(256 * 1024).withMaxUploads(1));

    for (int hangUp = 0; hangUp < 3; hangUp++) {
      // 4 MiB at 256 KiB/s: the body is far from over when the downloader goes.
      try (Socket socket = new Socket("127.0.0.1", peer.filesPort())) {
        socket.getOutputStream().write(("GET /files/" + sha256 + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        assertThat(socket.getInputStream().readNBytes(64 * 1024)).hasSize(64 * 1024);
        socket.setSoLinger(true, 0);
      }
      // The only slot is free again: a small range (which takes a slot like any upload) is served.
      Eventually.within(Duration.ofSeconds(3), () -> assertThat(http.send(
              HttpRequest.newBuilder(URI.create(peer.filesUrl() + "/files/" + sha256)).header("Range", "bytes=0-9")
                  .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode())
          .isEqualTo(206));
    }
  }

  private static HttpRequest fileRequest(PeerNode peer, String sha256) {
    return HttpRequest.newBuilder(URI.create(peer.filesUrl() + "/files/" + sha256)).timeout(Duration.ofSeconds(30)).build();
  }
}
