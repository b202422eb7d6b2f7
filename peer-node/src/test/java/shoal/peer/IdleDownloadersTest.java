package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;
import shoal.tracker.testing.MisbehavingClient;

/** Downloaders that stop reading lose their upload slot; slow ones that keep reading do not. */
@Timeout(60)
@DisplayName("Idle downloaders")
class IdleDownloadersTest {

  private static final long MIB = 1 << 20;
  private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(2);
  /** The watchdog looks a quarter timeout late at most; a loaded CI machine gets some seconds more. */
  private static final Duration MARGIN = Duration.ofSeconds(4);

  @TempDir
  Path share;
  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  @DisplayName("Two downloads that never read hold both slots of --max-uploads 2 only until --idle-timeout; then a real download gets the file")
  void stalledDownloadersFreeTheirSlots() throws Exception {
    // Larger than what the kernel buffers on both ends of a loopback connection can hold.
    String sha256 = TestFiles.random(share.resolve("big.bin"), 24 * MIB, 7);
    PeerNode peer = network.peer("patient", share, config -> config.withMaxUploads(2).withIdleTimeout(IDLE_TIMEOUT));

    List<Socket> stalled = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", peer.filesPort()), 5_000);
        OutputStream out = socket.getOutputStream();
        out.write(("GET /files/" + sha256 + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        stalled.add(socket);
      }
      assertThat(statusWithin(peer, sha256, Duration.ofSeconds(5), 503)).as("both slots taken").isEqualTo(503);

      long started = System.nanoTime();
      HttpResponse<byte[]> download = null;
      while (Duration.ofNanos(System.nanoTime() - started).compareTo(IDLE_TIMEOUT.plus(MARGIN)) < 0) {
        download = http.send(request(peer, sha256), HttpResponse.BodyHandlers.ofByteArray());
        if (download.statusCode() != 503) {
          break;
        }
        Thread.sleep(200);
      }
      assertThat(download.statusCode()).isEqualTo(200);
      assertThat(download.body()).isEqualTo(Files.readAllBytes(share.resolve("big.bin")));
    } finally {
      MisbehavingClient.closeAll(stalled);
    }
  }

  @Test
  @DisplayName("An upload paced by --upload-limit that lasts longer than --idle-timeout arrives whole")
  void slowButMovingUploadCompletes() throws Exception {
    String sha256 = TestFiles.random(share.resolve("paced.bin"), MIB, 8);
    PeerNode peer = network.peer("paced", share, config -> config.withUploadLimit(256 * 1024)
        .withIdleTimeout(Duration.ofSeconds(1)));

    long started = System.nanoTime();
    HttpResponse<byte[]> download = http.send(request(peer, sha256), HttpResponse.BodyHandlers.ofByteArray());
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(download.statusCode()).isEqualTo(200);
    assertThat(download.body()).isEqualTo(Files.readAllBytes(share.resolve("paced.bin")));
    assertThat(took).as("longer than the idle timeout").isGreaterThan(Duration.ofMillis(2_500));
  }

  private int statusWithin(PeerNode peer, String sha256, Duration limit, int wanted) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    int status;
    do {
      status = http.send(request(peer, sha256), HttpResponse.BodyHandlers.discarding()).statusCode();
    } while (status != wanted && System.nanoTime() < deadline);
    return status;
  }

  private static HttpRequest request(PeerNode peer, String sha256) {
    return HttpRequest.newBuilder(URI.create(peer.filesUrl() + "/files/" + sha256)).timeout(Duration.ofSeconds(30)).build();
  }
}
