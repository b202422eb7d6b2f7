package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import shoal.peer.share.Sha256;
import shoal.peer.testing.Downloading;
import shoal.peer.testing.FakeHolder;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;
import shoal.tracker.testing.TrackerApi;

/** A holder whose upload slots are all taken answers 503 with Retry-After; the downloader waits that long. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
@DisplayName("A busy holder")
class BusyHolderTest {

  private static final long SIZE = 2L << 20;
  private static final int RETRY_AFTER_SECONDS = 4;

  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest();

  @Test
  @DisplayName("is asked again after the pause its Retry-After asks for, not sooner, and then serves the file")
  void isAskedAgainAfterItsRetryAfter(@TempDir Path staged, @TempDir Path downloading) throws Exception {
    String sha256 = TestFiles.random(staged.resolve("build.tar"), SIZE, 17);
    byte[] content = Files.readAllBytes(staged.resolve("build.tar"));
    List<Long> askedAt = new CopyOnWriteArrayList<>();
    try (FakeHolder busy = new FakeHolder((request, out) -> {
      if (request.target().endsWith("/pieces")) {
        FakeHolder.head(out, "404 Not Found", "Content-Length: 0");
        return;
      }
      askedAt.add(System.nanoTime());
      if (askedAt.size() == 1) {
        FakeHolder.head(out, "503 Service Unavailable", "Retry-After: " + RETRY_AFTER_SECONDS, "Content-Length: 0");
      } else {
        FakeHolder.answerRange(request, out, content, (body, from, to) -> body.write(content, (int) from, (int) (to - from)));
      }
    })) {
      busy.register(network.tracker(), "busy", TrackerApi.file(sha256, "build.tar", SIZE));
      PeerNode downloader = network.peer("downloader", downloading);

      JsonObject end = Downloading.awaitEnd(network, downloader, Downloading.start(network, downloader, sha256),
          Duration.ofSeconds(40));

      assertThat(end.getString("state")).as(end.encode()).isEqualTo("done");
      assertThat(Sha256.ofFile(downloading.resolve("build.tar"))).isEqualTo(sha256);
      assertThat(askedAt).as("requests for the file's bytes").hasSizeGreaterThanOrEqualTo(2);
      Duration pause = Duration.ofNanos(askedAt.get(1) - askedAt.get(0));
      assertThat(pause).as("the pause before asking the busy holder again")
          .isGreaterThanOrEqualTo(Duration.ofMillis(RETRY_AFTER_SECONDS * 1000L - 300));
    }
  }
}
