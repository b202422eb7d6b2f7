package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import shoal.peer.share.Sha256;
import shoal.peer.testing.Downloading;
import shoal.peer.testing.FakeHolder;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;
import shoal.tracker.testing.TrackerApi;

/**
 * A holder that answers an error instead of the file: the download moves on to another holder, and
 * when none is left it ends {@code failed} with a sentence. The failing holder is a {@link FakeHolder};
 * the good one a real peer.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("Failing over from a holder that answers an error")
class FailoverTest {

  private static final long SIZE = 2L << 20;

  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest();

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "'500 Internal Server Error', refused",
      "'404 Not Found', refused",
      "'503 Service Unavailable', busy"})
  @DisplayName("a holder answering an error (a 5xx, a 404, a full source's 503 with Retry-After) is left for another holder, and the file arrives verified")
  void failsOverToAnotherHolder(String status, String reason, @TempDir Path holderShare, @TempDir Path userShare)
      throws Exception {
    String sha256 = TestFiles.random(holderShare.resolve("album.flac"), SIZE, 5);
    PeerNode holder = network.peer("holder", holderShare);
    try (FakeHolder failing = new FakeHolder((request, out) ->
        FakeHolder.head(out, status, "Retry-After: 30", "Content-Length: 0"))) {
      String failingId = failing.register(network.tracker(), "failing", TrackerApi.file(sha256, "album.flac", SIZE));
      // One unfinished upload on the real holder, so that the least-loaded choice names the failing one first.
      assertThat(network.occupyHolder(sha256, failingId)).isEqualTo(holder.peerId());
      PeerNode user = network.peer("user", userShare);

      String downloadId = Downloading.start(network, user, sha256);
      JsonObject end = Downloading.awaitEnd(network, user, downloadId, Duration.ofSeconds(30));

      assertThat(end.getString("state")).as(end.encode()).isEqualTo("done");
      assertThat(failing.requests()).as("the failing holder was asked first")
          .first().extracting(FakeHolder.Request::target).isEqualTo("/files/" + sha256);
      assertThat(end.getJsonArray("sources").stream().map(source -> ((JsonObject) source).getString("peerId")))
          .as("the bytes came from the real holder").endsWith(holder.peerId());
      assertThat(Sha256.ofFile(userShare.resolve("album.flac"))).isEqualTo(sha256);
      assertThat(Downloading.failureReason(network, sha256, failingId)).isEqualTo(reason);
    }
  }

  @Test
  @DisplayName("when no holder is left, the download ends failed with a sentence naming the file, and nothing is left on disk")
  void failsWithASentenceWhenNoHolderIsLeft(@TempDir Path userShare) throws Exception {
    String sha256 = TrackerApi.sha("only failing holders have it");
    try (FakeHolder first = new FakeHolder((request, out) ->
            FakeHolder.head(out, "500 Internal Server Error", "Content-Length: 0"));
        FakeHolder second = new FakeHolder((request, out) ->
            FakeHolder.head(out, "404 Not Found", "Content-Length: 0"))) {
      first.register(network.tracker(), "first", TrackerApi.file(sha256, "thesis.pdf", 1_000));
      second.register(network.tracker(), "second", TrackerApi.file(sha256, "thesis.pdf", 1_000));
      PeerNode user = network.peer("user", userShare);

      String downloadId = Downloading.start(network, user, sha256);
      JsonObject end = Downloading.awaitEnd(network, user, downloadId, Duration.ofSeconds(30));

      assertThat(end.getString("state")).as(end.encode()).isEqualTo("failed");
      assertThat(first.requests()).as("the first holder was tried").isNotEmpty();
      assertThat(second.requests()).as("the second holder was tried").isNotEmpty();
      assertThat(end.getString("error")).contains("thesis.pdf").endsWith(".");
      try (Stream<Path> left = Files.walk(userShare)) {
        assertThat(left.filter(Files::isRegularFile).filter(path -> !path.endsWith(".shoal/hashes.tsv")))
            .as("no file and no partial download").isEmpty();
      }
    }
  }
}
