package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import shoal.peer.testing.Eventually;
import shoal.peer.testing.PackagedJars;
import shoal.peer.testing.ProcessLines;

/**
 * The packaged peer jar's {@code demo}, run as {@code ./shoal demo} runs it: a JVM of its own with
 * {@code -Dshoal.tracker.jar}, in a working directory of its own so that {@code ./data/demo}
 * lands in a temporary folder.
 */
@Timeout(240)
@DisplayName("The demo network")
class DemoLauncherIT {

  private static final Pattern DASHBOARD = Pattern.compile("dashboard (http://127\\.0\\.0\\.1:\\d+)/");
  private static final Pattern PEER_LINE = Pattern.compile(
      "(peer-\\d) files http://127\\.0\\.0\\.1:\\d+  control (http://127\\.0\\.0\\.1:\\d+)/\\?token=(\\S+)");
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** One peer as the demo announced it. */
  private record ControlUrl(String name, String base, String token) {}

  @Test
  @DisplayName("prints the dashboard and three control URLs with tokens, runs three peers and a shared file, and SIGTERM stops it all with the peers gone from the tracker")
  void startsThreePeersAndStopsOnSigterm(@TempDir Path workDir) throws Exception {
    Process demo = new ProcessBuilder(java(), "-Dshoal.tracker.jar=" + PackagedJars.tracker(), "-jar", PackagedJars.peer().toString(), "demo")
        .directory(workDir.toFile())
        .redirectError(workDir.resolve("demo.err").toFile())
        .start();
    List<ProcessHandle> children = new ArrayList<>();
    try {
      BlockingQueue<String> stdout = ProcessLines.of(demo);
      String tracker = null;
      List<ControlUrl> controls = new ArrayList<>();
      // The first run in a fresh folder sets up the tracker's PostgreSQL, hence the generous bound.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
      for (String line = ""; !line.startsWith("Press Ctrl-C"); ) {
        line = stdout.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        assertThat(line).as("the demo's next line within 150 s; stderr: %s", stderrOf(workDir)).isNotNull();
        Matcher dashboard = DASHBOARD.matcher(line);
        Matcher peer = PEER_LINE.matcher(line);
        if (dashboard.matches()) {
          tracker = dashboard.group(1);
        } else if (peer.matches()) {
          controls.add(new ControlUrl(peer.group(1), peer.group(2), peer.group(3)));
        }
      }
      assertThat(tracker).as("the dashboard URL").isNotNull();
      assertThat(controls).extracting(ControlUrl::name).containsExactly("peer-1", "peer-2", "peer-3");
      assertThat(controls).extracting(ControlUrl::token).doesNotContainNull().doesNotHaveDuplicates();
      assertThat(workDir.resolve("data/demo/peer-1/holiday-video.bin")).as("./data/demo is under the working directory").exists();

      assertThat(get(tracker + "/").statusCode()).as("the dashboard page").isEqualTo(200);
      List<JsonObject> peers = new JsonArray(get(tracker + "/api/v1/peers").body()).stream().map(JsonObject.class::cast).toList();
      assertThat(peers).extracting(peer -> peer.getString("name")).containsExactlyInAnyOrder("peer-1", "peer-2", "peer-3");
      JsonArray shared = new JsonArray(get(tracker + "/api/v1/files?q=holiday-video").body());
      assertThat(shared).hasSize(1);
      assertThat(shared.getJsonObject(0).getInteger("holders")).as("holiday-video.bin is held by two peers").isEqualTo(2);

      ControlUrl first = controls.get(0);
      HttpResponse<String> status = get(first.base() + "/api/v1/status?token=" + first.token());
      assertThat(status.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(status.body()).getString("name")).isEqualTo("peer-1");
      assertThat(get(first.base() + "/api/v1/status").statusCode()).as("without the token").isEqualTo(401);

      children.addAll(demo.descendants().toList());
      assertThat(children).as("the tracker runs as a child process").isNotEmpty();
      // kill(1) rather than Process.destroy(), which would also close our end of its output.
      new ProcessBuilder("kill", "-TERM", Long.toString(demo.pid())).start().waitFor(10, TimeUnit.SECONDS);
      assertThat(demo.waitFor(60, TimeUnit.SECONDS)).as("stopped within 60 s of SIGTERM").isTrue();
      Eventually.within(Duration.ofSeconds(10), () ->
          assertThat(children).as("no child process outlives the demo").noneMatch(ProcessHandle::isAlive));
      assertThat(workDir.resolve("data/demo/tracker/pg/postmaster.pid")).as("the tracker stopped its PostgreSQL").doesNotExist();

      // The peers must have left, not merely gone quiet: each says so once the tracker confirmed
      // its DELETE, and a tracker started again on the same database, well within the peers'
      // 30 s TTL, would still list any that had not said goodbye.
      String log = stderrOf(workDir);
      assertThat(peers).allSatisfy(peer -> assertThat(log).contains("left the tracker as " + peer.getString("peerId")));
      assertThat(peersListedAfterRestart(workDir.resolve("data/demo/tracker"))).isEmpty();
    } finally {
      // After a failure the tracker may still run: its process is found while the demo lives.
      demo.descendants().forEach(ProcessHandle::destroyForcibly);
      demo.destroyForcibly();
      children.forEach(ProcessHandle::destroyForcibly);
      stopLeftoverPostgres(workDir.resolve("data/demo/tracker/pg"));
    }
  }

  /** Starts the tracker jar on {@code dataDir} once more and answers its {@code GET /api/v1/peers}; stops it again. */
  private static JsonArray peersListedAfterRestart(Path dataDir) throws Exception {
    Process tracker = new ProcessBuilder(java(), "-jar", PackagedJars.tracker().toString(),
        "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir.toString())
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    try {
      String line = ProcessLines.of(tracker).poll(90, TimeUnit.SECONDS);
      assertThat(line).as("the restarted tracker's listening line").isNotNull().startsWith("listening on http://");
      return new JsonArray(get(line.substring("listening on ".length()) + "/api/v1/peers").body());
    } finally {
      new ProcessBuilder("kill", "-TERM", Long.toString(tracker.pid())).start().waitFor(10, TimeUnit.SECONDS);
      if (!tracker.waitFor(30, TimeUnit.SECONDS)) {
        tracker.destroyForcibly();
      }
    }
  }

  /** After a failure half-way: stops a PostgreSQL that a killed tracker left running, by its pid file. */
  private static void stopLeftoverPostgres(Path database) throws Exception {
    Path pidFile = database.resolve("postmaster.pid");
    if (Files.exists(pidFile)) {
      String pid = Files.readAllLines(pidFile).get(0).trim();
      new ProcessBuilder("kill", "-INT", pid).start().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static HttpResponse<String> get(String url) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String stderrOf(Path workDir) {
    try {
      return Files.readString(workDir.resolve("demo.err"));
    } catch (IOException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
