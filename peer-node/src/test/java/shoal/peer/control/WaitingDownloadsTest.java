package shoal.peer.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import shoal.peer.PeerNode;
import shoal.peer.share.Sha256;
import shoal.peer.testing.Eventually;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;
import shoal.tracker.testing.TrackerApi;

/**
 * The control API's downloads that wait for a file nobody offers yet ({@code "wait": true}): shown
 * as {@code waiting}, counted as under way, started by themselves once a peer shares the file
 * (woken by the tracker's events, well before the 30 s safety re-check), and cancellable.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("Waiting downloads on the control API")
class WaitingDownloadsTest {

  private static final String SORRY = "Sorry, the file you requested is not available. Please try again later.";
  private static final Duration WAKE_UP = Duration.ofSeconds(15);

  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest();

  @TempDir
  Path staged;
  @TempDir
  Path holderShare;
  @TempDir
  Path userShare;

  @Test
  @DisplayName("by SHA-256: 202, then waiting (counted in status) until a peer shares the file, then done with the right bytes")
  void waitsBySha256UntilShared() throws Exception {
    String sha256 = TestFiles.random(staged.resolve("survey.zip"), 2L << 20, 31);
    PeerNode user = network.peer("user", userShare);
    TrackerApi control = network.control(user);

    HttpResponse<?> started = control.post("/api/v1/downloads", user.controlToken(),
        new JsonObject().put("sha256", sha256).put("wait", true));

    assertThat(started.statusCode()).as(started.bodyAsString()).isEqualTo(202);
    String id = started.bodyAsJsonObject().getString("downloadId");
    JsonObject waiting = download(control, user, id);
    assertThat(waiting.getString("state")).isEqualTo("waiting");
    assertThat(waiting.getString("sha256")).isEqualTo(sha256);
    assertThat(waiting.getLong("bytes")).isZero();
    assertThat(control.send(HttpMethod.GET, "/api/v1/status", user.controlToken(), null).bodyAsJsonObject()
        .getLong("downloads")).as("a waiting download counts as under way").isEqualTo(1);

    Files.move(staged.resolve("survey.zip"), holderShare.resolve("survey.zip"));
    network.peer("holder", holderShare);

    Eventually.within(WAKE_UP, () -> assertThat(download(control, user, id).getString("state")).isEqualTo("done"));
    assertThat(Sha256.ofFile(userShare.resolve("survey.zip"))).isEqualTo(sha256);
    assertThat(download(control, user, id).getString("name")).isEqualTo("survey.zip");
  }

  @Test
  @DisplayName("by exact name: waiting with sha256 null and the asked name, then the file of that name once a peer shares it")
  void waitsByName() throws Exception {
    String sha256 = TestFiles.random(staged.resolve("minutes 2026-11.txt"), 300_000, 37);
    TestFiles.text(holderShare.resolve("minutes 2026-10.txt"), "a similar name is not the name asked for");
    network.peer("holder", holderShare);
    PeerNode user = network.peer("user", userShare);
    TrackerApi control = network.control(user);

    HttpResponse<?> plain = control.post("/api/v1/downloads", user.controlToken(), new JsonObject().put("name", "minutes 2026-11.txt"));
    assertThat(plain.statusCode()).as("without wait: refused at once").isEqualTo(404);
    assertThat(plain.bodyAsJsonObject().getString("message")).isEqualTo(SORRY);

    HttpResponse<?> started = control.post("/api/v1/downloads", user.controlToken(),
        new JsonObject().put("name", "minutes 2026-11.txt").put("wait", true));
    assertThat(started.statusCode()).as(started.bodyAsString()).isEqualTo(202);
    String id = started.bodyAsJsonObject().getString("downloadId");
    JsonObject waiting = download(control, user, id);
    assertThat(waiting.getString("state")).isEqualTo("waiting");
    assertThat(waiting.getString("name")).isEqualTo("minutes 2026-11.txt");
    assertThat(waiting.containsKey("sha256")).isTrue();
    assertThat(waiting.getString("sha256")).isNull();

    PeerNode second = network.peer("second-holder", staged);

    Eventually.within(WAKE_UP, () -> assertThat(download(control, user, id).getString("state")).isEqualTo("done"));
    assertThat(download(control, user, id).getString("sha256")).isEqualTo(sha256);
    assertThat(download(control, user, id).getJsonArray("sources").getJsonObject(0).getString("peerId"))
        .isEqualTo(second.peerId());
    assertThat(Sha256.ofFile(userShare.resolve("minutes 2026-11.txt"))).isEqualTo(sha256);
  }

  @Test
  @DisplayName("DELETE cancels a waiting download: it shows cancelled, stops counting, and a peer sharing the file later changes nothing")
  void cancelsAWaitingDownload() throws Exception {
    String sha256 = TestFiles.random(staged.resolve("late.bin"), 500_000, 41);
    PeerNode user = network.peer("user", userShare);
    TrackerApi control = network.control(user);
    String id = control.post("/api/v1/downloads", user.controlToken(), new JsonObject().put("sha256", sha256).put("wait", true))
        .bodyAsJsonObject().getString("downloadId");

    HttpResponse<?> cancelled = control.delete("/api/v1/downloads/" + id, user.controlToken());

    assertThat(cancelled.statusCode()).isEqualTo(200);
    Eventually.within(Duration.ofSeconds(5), () -> assertThat(download(control, user, id).getString("state")).isEqualTo("cancelled"));
    assertThat(control.send(HttpMethod.GET, "/api/v1/status", user.controlToken(), null).bodyAsJsonObject()
        .getLong("downloads")).isZero();

    network.peer("holder", staged);
    Thread.sleep(2_000);
    assertThat(download(control, user, id).getString("state")).isEqualTo("cancelled");
    assertThat(userShare.resolve("late.bin")).doesNotExist();
    assertThat(network.transfersOf(sha256)).as("no transfer was started for it").isEmpty();
  }

  @Test
  @DisplayName("a download waiting by SHA-256 survives a restart of the node: it waits again, and finishes once a peer shares the file")
  void waitingSurvivesARestart() throws Exception {
    String sha256 = TestFiles.random(staged.resolve("archive.tar"), 1L << 20, 47);

    JsonObject resumed = waitRestartAndShare(new JsonObject().put("sha256", sha256), "archive.tar", sha256);

    assertThat(resumed.getString("sha256")).isEqualTo(sha256);
  }

  @Test
  @DisplayName("a download waiting by name survives a restart of the node too, and finishes once a peer shares a file of that name")
  void waitingByNameSurvivesARestart() throws Exception {
    String sha256 = TestFiles.random(staged.resolve("notes of 2026.txt"), 300_000, 53);

    JsonObject resumed = waitRestartAndShare(new JsonObject().put("name", "notes of 2026.txt"), "notes of 2026.txt", sha256);

    assertThat(resumed.getString("name")).isEqualTo("notes of 2026.txt");
    assertThat(resumed.getString("sha256")).isNull();
    try (var left = Files.walk(userShare.resolve(".shoal"))) {
      assertThat(left.map(path -> path.getFileName().toString())).as("records left in .shoal")
          .noneMatch(file -> file.endsWith(".wait") || file.endsWith(".download"));
    }
  }

  @Test
  @DisplayName("a request naming both or neither, or a 'wait' that is not true or false, is refused with 400 invalid_request")
  void refusesBadRequests() throws Exception {
    PeerNode user = network.peer("user", userShare);
    TrackerApi control = network.control(user);
    String sha256 = TrackerApi.sha("anything");

    for (JsonObject body : new JsonObject[] {
        new JsonObject().put("sha256", sha256).put("name", "a.txt"),
        new JsonObject().put("wait", true),
        new JsonObject().put("sha256", sha256).put("wait", "yes"),
        new JsonObject().put("name", "").put("wait", true)}) {
      HttpResponse<?> refused = control.post("/api/v1/downloads", user.controlToken(), body);
      assertThat(refused.statusCode()).as(body.encode()).isEqualTo(400);
      assertThat(refused.bodyAsJsonObject().getString("error")).isEqualTo("invalid_request");
      assertThat(refused.bodyAsJsonObject().getString("message")).isNotBlank();
    }
    assertThat(control.send(HttpMethod.GET, "/api/v1/downloads", user.controlToken(), null).bodyAsJsonArray()).isEmpty();
  }

  private static JsonObject download(TrackerApi control, PeerNode user, String id) {
    HttpResponse<?> response = control.send(HttpMethod.GET, "/api/v1/downloads/" + id, user.controlToken(), null);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject();
  }

  /**
   * Asks the user's node to wait for {@code ask} (the staged file {@code fileName}), restarts the
   * node, and answers the download it resumed, listed as waiting; then a holder shares the file,
   * and the download must end done with the right bytes.
   */
  private JsonObject waitRestartAndShare(JsonObject ask, String fileName, String sha256) throws Exception {
    PeerNode before = network.peer("user", userShare);
    assertThat(network.control(before).post("/api/v1/downloads", before.controlToken(), ask.copy().put("wait", true))
        .statusCode()).isEqualTo(202);
    before.close();

    PeerNode after = network.peer("user", userShare);
    TrackerApi control = network.control(after);
    // The node asks the tracker about what it resumes once it runs: the wait is listed within moments.
    AtomicReference<JsonObject> resumed = new AtomicReference<>();
    Eventually.within(Duration.ofSeconds(5), () -> {
      var listed = control.send(HttpMethod.GET, "/api/v1/downloads", after.controlToken(), null).bodyAsJsonArray();
      assertThat(listed).hasSize(1);
      resumed.set(listed.getJsonObject(0));
    });
    assertThat(resumed.get().getString("state")).isEqualTo("waiting");
    String id = resumed.get().getString("downloadId");

    Files.move(staged.resolve(fileName), holderShare.resolve(fileName));
    network.peer("holder", holderShare);

    Eventually.within(WAKE_UP, () -> assertThat(download(control, after, id).getString("state")).isEqualTo("done"));
    assertThat(Sha256.ofFile(userShare.resolve(fileName))).isEqualTo(sha256);
    return resumed.get();
  }
}
