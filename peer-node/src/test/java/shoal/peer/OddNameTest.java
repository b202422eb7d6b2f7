package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import shoal.peer.share.Sha256;
import shoal.peer.testing.Downloading;
import shoal.peer.testing.FakeHolder;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;
import shoal.tracker.testing.TrackerApi;

/** Names on disk: the name a holder suggests is never trusted to be safe, nor to be free. */
@Timeout(120)
@DisplayName("A holder's name for a file")
class OddNameTest {

  private static final int SIZE = 64 << 10;

  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest();

  @Test
  @DisplayName("Of 300 characters with a right-to-left mark is refused at registration, naming the file, and nothing is registered")
  void unsafeNameIsRefusedPerFile() throws Exception {
    String odd = "invoice\u202Efdp.exe" + "x".repeat(285);
    try (FakeHolder holder = new FakeHolder((request, out) -> FakeHolder.head(out, "204 No Content"))) {
      var response = network.tracker().post("/api/v1/peers", null, new JsonObject()
          .put("name", "odd").put("address", holder.address())
          .put("files", new JsonArray(List.of(
              TrackerApi.file(TrackerApi.sha("fine"), "fine.txt", 10),
              TrackerApi.file(TrackerApi.sha("odd"), odd, 10)))));

      assertThat(response.statusCode()).isEqualTo(400);
      JsonObject error = response.bodyAsJsonObject();
      assertThat(error.getString("error")).isEqualTo("invalid_request");
      assertThat(error.getString("message")).contains("files[1]");
      assertThat(network.tracker().get("/api/v1/peers").bodyAsJsonArray()).isEmpty();
    }
  }

  @Test
  @DisplayName("That another file in the share already has is saved as 'name (1).ext', and the other file is left as it was")
  void takenNameGetsASuffix(@TempDir Path holderShare, @TempDir Path downloading) throws Exception {
    String sha256 = TestFiles.random(holderShare.resolve("notes.txt"), SIZE, 71);
    String mine = TestFiles.text(downloading.resolve("notes.txt"), "my own notes, not the download");
    network.peer("holder", holderShare);
    PeerNode downloader = network.peer("downloader", downloading);

    JsonObject end = Downloading.awaitEnd(network, downloader, Downloading.start(network, downloader, sha256),
        Duration.ofSeconds(20));

    assertThat(end.getString("state")).as(end.encode()).isEqualTo("done");
    assertThat(Sha256.ofFile(downloading.resolve("notes.txt"))).isEqualTo(mine);
    assertThat(Sha256.ofFile(downloading.resolve("notes (1).txt"))).isEqualTo(sha256);
    assertThat(Files.readString(downloading.resolve("notes.txt"))).isEqualTo("my own notes, not the download");
  }
}
