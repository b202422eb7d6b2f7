package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.RawHttp;
import shoal.peer.testing.RawHttp.Reply;
import shoal.peer.testing.TestFiles;
import shoal.tracker.testing.TrackerApi;

/** The files port: ranges as HTTP defines them, and nothing but shared files by hash. */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("The files port")
class FilesPortRangesTest {

  private static final String SECRET = "top secret, outside the share";

  @TempDir
  static Path root;
  private static PeerNetwork network;
  private static PeerNode peer;
  private static String sha256;
  private static byte[] content;

  @org.junit.jupiter.api.BeforeAll
  static void startPeer(Vertx vertx) throws Exception {
    Path share = root.resolve("share");
    Files.createDirectories(share);
    Files.writeString(root.resolve("secret.txt"), SECRET);
    sha256 = TestFiles.random(share.resolve("data.bin"), 1_000, 5);
    content = Files.readAllBytes(share.resolve("data.bin"));
    network = PeerNetwork.start(vertx);
    peer = network.peer("ranger", share);
  }

  @org.junit.jupiter.api.AfterAll
  static void stop() {
    network.close();
  }

  @Test
  @DisplayName("Range: bytes=100-199 gives 206 with exactly those 100 bytes")
  void servesARange() throws Exception {
    Reply reply = RawHttp.send(peer.filesPort(), "GET", "/files/" + sha256, "Range: bytes=100-199");

    assertThat(reply.status()).isEqualTo(206);
    assertThat(reply.head()).containsIgnoringCase("content-range: bytes 100-199/1000")
        .containsIgnoringCase("etag: \"" + sha256 + "\"");
    assertThat(reply.body()).isEqualTo(Arrays.copyOfRange(content, 100, 200));
  }

  @Test
  @DisplayName("No range gives the whole file; HEAD gives its length and no body")
  void servesTheWholeFile() throws Exception {
    Reply get = RawHttp.send(peer.filesPort(), "GET", "/files/" + sha256);
    Reply head = RawHttp.send(peer.filesPort(), "HEAD", "/files/" + sha256);

    assertThat(get.status()).isEqualTo(200);
    assertThat(get.body()).isEqualTo(content);
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.head()).containsIgnoringCase("content-length: 1000");
    assertThat(head.body()).isEmpty();
  }

  @Test
  @DisplayName("Suffix and open ranges work; If-Range with another ETag gives the whole file")
  void honoursRangeForms() throws Exception {
    assertThat(RawHttp.send(peer.filesPort(), "GET", "/files/" + sha256, "Range: bytes=-10").body())
        .isEqualTo(Arrays.copyOfRange(content, 990, 1000));
    assertThat(RawHttp.send(peer.filesPort(), "GET", "/files/" + sha256, "Range: bytes=995-").body())
        .isEqualTo(Arrays.copyOfRange(content, 995, 1000));
    Reply stale = RawHttp.send(peer.filesPort(), "GET", "/files/" + sha256, "Range: bytes=0-9", "If-Range: \"other\"");
    assertThat(stale.status()).isEqualTo(200);
    assertThat(stale.body()).isEqualTo(content);
    Reply current = RawHttp.send(peer.filesPort(), "GET", "/files/" + sha256, "Range: bytes=0-9", "If-Range: \"" + sha256 + "\"");
    assertThat(current.status()).isEqualTo(206);
  }

  @ParameterizedTest(name = "Range: {0}")
  @ValueSource(strings = {"bytes=1000-1999", "bytes=500-100", "bytes=abc", "bytes=-0", "items=0-1"})
  @DisplayName("An unsatisfiable or malformed range gives 416 with the file's size")
  void refusesBadRanges(String range) throws Exception {
    Reply reply = RawHttp.send(peer.filesPort(), "GET", "/files/" + sha256, "Range: " + range);

    assertThat(reply.status()).isEqualTo(416);
    assertThat(reply.head()).containsIgnoringCase("content-range: bytes */1000");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      "/files/../../etc/passwd",
      "/files/..%2F..%2Fetc%2Fpasswd",
      "/files/%2e%2e/%2e%2e/etc/passwd",
      "/files/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
      "/files/../secret.txt",
      "/files/..%2Fsecret.txt",
      "/files/..%252Fsecret.txt",
      "/files/data.bin",
      "/files/%00",
  })
  @DisplayName("Paths instead of hashes give 400 or 404, and never a byte from outside the share")
  void neverReadsPaths(String target) throws Exception {
    Reply reply = RawHttp.send(peer.filesPort(), "GET", target);

    assertThat(reply.status()).isIn(400, 404);
    assertThat(reply.bodyText()).doesNotContain("root:").doesNotContain(SECRET);
  }

  @Test
  @DisplayName("A well-formed hash this peer does not share gives 404; an uppercase one 400")
  void refusesUnknownHashes() throws Exception {
    assertThat(RawHttp.send(peer.filesPort(), "GET", "/files/" + TrackerApi.sha("unknown")).status()).isEqualTo(404);
    assertThat(RawHttp.send(peer.filesPort(), "GET", "/files/" + sha256.toUpperCase()).status()).isEqualTo(400);
  }
}
