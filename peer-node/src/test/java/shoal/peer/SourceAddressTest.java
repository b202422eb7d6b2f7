package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import shoal.peer.share.Sha256;
import shoal.peer.testing.Downloading;
import shoal.peer.testing.FakeHolder;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;
import shoal.tracker.testing.TrackerApi;

/**
 * Addresses: a peer's address takes downloaders to its own files path and nowhere else, and what
 * a remote answers never travels further than the downloader.
 */
@Timeout(120)
@DisplayName("A holder's address")
class SourceAddressTest {

  private static final int SIZE = 256 << 10;

  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest();

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/internal/admin?x=1#", "/files?", "/#fragment"})
  @DisplayName("With a query or a fragment is refused at registration with a sentence, and nothing is registered")
  void queryOrFragmentIsRefused(String suffix) throws Exception {
    try (FakeHolder holder = new FakeHolder((request, out) -> FakeHolder.head(out, "204 No Content"))) {
      var response = network.tracker().post("/api/v1/peers", null, new JsonObject()
          .put("name", "pointer").put("address", holder.address() + suffix)
          .put("files", new JsonArray(List.of(TrackerApi.file(TrackerApi.sha("x"), "x.bin", 10)))));

      assertThat(response.statusCode()).isEqualTo(400);
      assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("invalid_request");
      assertThat(response.bodyAsJsonObject().getString("message")).contains("address");
      assertThat(network.tracker().get("/api/v1/peers").bodyAsJsonArray()).isEmpty();
      assertThat(holder.requests()).isEmpty();
    }
  }

  @Test
  @DisplayName("With a path prefix gets exactly GET <prefix>/files/<sha256>, and the download completes from it")
  void prefixIsFollowedExactly(@TempDir Path files, @TempDir Path downloading) throws Exception {
    String sha256 = TestFiles.random(files.resolve("song.flac"), SIZE, 61);
    byte[] content = Files.readAllBytes(files.resolve("song.flac"));
    try (FakeHolder holder = new FakeHolder((request, out) -> {
      FakeHolder.head(out, "200 OK", "Content-Length: " + content.length);
      out.write(content);
    })) {
      holder.register(network.tracker(), "behind-a-proxy", holder.address() + "/shoal/peer-1/",
          TrackerApi.file(sha256, "song.flac", SIZE));
      PeerNode downloader = network.peer("downloader", downloading);

      JsonObject end = Downloading.awaitEnd(network, downloader, Downloading.start(network, downloader, sha256),
          Duration.ofSeconds(20));

      assertThat(end.getString("state")).as(end.encode()).isEqualTo("done");
      assertThat(holder.requests()).extracting(FakeHolder.Request::target).containsExactly("/shoal/peer-1/files/" + sha256);
      assertThat(Sha256.ofFile(downloading.resolve("song.flac"))).isEqualTo(sha256);
    }
  }

  @Test
  @DisplayName("A redirect is never followed: the holder is refused and the download completes from the honest one")
  void redirectsAreNotFollowed(@TempDir Path honestShare, @TempDir Path downloading) throws Exception {
    String sha256 = TestFiles.random(honestShare.resolve("slides.pdf"), SIZE, 62);
    byte[] content = Files.readAllBytes(honestShare.resolve("slides.pdf"));
    PeerNode honest = network.peer("honest", honestShare);
    try (FakeHolder target = new FakeHolder((request, out) -> {
          FakeHolder.head(out, "200 OK", "Content-Length: " + content.length);
          out.write(content);
        });
        FakeHolder redirecting = new FakeHolder((request, out) ->
            FakeHolder.head(out, "302 Found", "Location: " + target.address() + "/internal/admin", "Content-Length: 0"))) {
      String redirectingId = redirecting.register(network.tracker(), "redirecting", TrackerApi.file(sha256, "slides.pdf", SIZE));
      assertThat(network.occupyHolder(sha256, redirectingId)).isEqualTo(honest.peerId());
      PeerNode downloader = network.peer("downloader", downloading);

      JsonObject end = Downloading.awaitEnd(network, downloader, Downloading.start(network, downloader, sha256),
          Duration.ofSeconds(20));

      assertThat(end.getString("state")).as(end.encode()).isEqualTo("done");
      assertThat(target.requests()).as("requests that followed the redirect").isEmpty();
      assertThat(Downloading.failureReason(network, sha256, redirectingId)).isEqualTo("refused");
      Downloading.assertNeverBlamed(network, sha256, honest.peerId());
    }
  }

  @Test
  @DisplayName("What a failing holder answers is never shown to others: the tracker lists only Shoal's own code and sentence")
  void remoteAnswersAreNotRepeated(@TempDir Path honestShare, @TempDir Path downloading) throws Exception {
    String sha256 = TestFiles.random(honestShare.resolve("report.pdf"), SIZE, 63);
    PeerNode honest = network.peer("honest", honestShare);
    String secret = "db_password=hunter2";
    byte[] page = ("<h1>Internal admin</h1>" + secret).getBytes(StandardCharsets.UTF_8);
    try (FakeHolder failing = new FakeHolder((request, out) -> {
      FakeHolder.head(out, "500 " + secret, "Content-Length: " + page.length, "X-Debug: " + secret);
      out.write(page);
    })) {
      String failingId = failing.register(network.tracker(), "failing", TrackerApi.file(sha256, "report.pdf", SIZE));
      assertThat(network.occupyHolder(sha256, failingId)).isEqualTo(honest.peerId());
      PeerNode downloader = network.peer("downloader", downloading);

      JsonObject end = Downloading.awaitEnd(network, downloader, Downloading.start(network, downloader, sha256),
          Duration.ofSeconds(20));

      assertThat(end.getString("state")).as(end.encode()).isEqualTo("done");
      assertThat(Downloading.failureReason(network, sha256, failingId)).isEqualTo("refused");
      assertThat(network.tracker().get("/api/v1/transfers?limit=1000").bodyAsString()).doesNotContain("hunter2");
      assertThat(end.encode()).doesNotContain("hunter2");
    }
  }
}
