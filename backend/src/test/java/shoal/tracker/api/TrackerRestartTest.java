package shoal.tracker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static shoal.tracker.testing.TrackerApi.file;
import static shoal.tracker.testing.TrackerApi.sha;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import shoal.tracker.Tracker;
import shoal.tracker.TrackerConfig;
import shoal.tracker.db.DatabaseUrl;
import shoal.tracker.db.RegistryPool;
import shoal.tracker.testing.TrackerApi;
import shoal.tracker.testing.TrackerApi.Peer;

/**
 * The embedded default keeps its data: a restarted tracker remembers the network, even after it
 * was killed with {@code kill -9} and its PostgreSQL was left running.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("Restarting the tracker on the same data directory")
class TrackerRestartTest {

  private static final Pattern LISTENING = Pattern.compile("listening on (http://127\\.0\\.0\\.1:\\d+)");

  @Test
  @DisplayName("peers, files and completed transfer counts survive a restart of the embedded tracker, which writes with fsync on")
  void registrySurvivesRestart(Vertx vertx, @TempDir Path dataDir) {
    TrackerConfig config = config(dataDir);
    String paper = sha("paper");
    Peer author, reader;
    try (Tracker first = Tracker.start(config)) {
      TrackerApi api = new TrackerApi(vertx, first.url());
      author = api.register("author", List.of(file(paper, "paper.pdf", 42_000)));
      reader = api.register("reader", List.of());
      String transferId = api.startTransfer(reader, paper).bodyAsJsonObject().getString("transferId");
      assertThat(api.post("/api/v1/transfers/" + transferId + "/complete", reader.token(), null).statusCode()).isEqualTo(200);
    }
    assertThat(dataDir.resolve("pg").resolve("PG_VERSION")).exists();

    try (Tracker second = Tracker.start(config)) {
      TrackerApi api = new TrackerApi(vertx, second.url());
      assertThat(api.get("/api/v1/peers").bodyAsJsonArray().stream().map(p -> ((JsonObject) p).getString("name")))
          .containsExactlyInAnyOrder("author", "reader");
      assertThat(api.get("/api/v1/files/" + paper).bodyAsJsonObject().getJsonArray("holders")).hasSize(2);
      JsonObject stats = api.get("/api/v1/stats").bodyAsJsonObject();
      assertThat(stats.getLong("completedTransfers")).isEqualTo(1);
      assertThat(stats.getLong("files")).isEqualTo(1);
      // Tokens survive too: the peers carry on without registering again.
      assertThat(api.post("/api/v1/peers/" + author.peerId() + "/heartbeat", author.token(), null).statusCode()).isEqualTo(200);
      assertThat(api.delete("/api/v1/peers/" + reader.peerId(), reader.token()).statusCode()).isEqualTo(204);

      // A power cut may cost the last commits (synchronous_commit off, within 3 × wal_writer_delay), never the cluster.
      Pool pool = RegistryPool.create(vertx, DatabaseUrl.parse(second.config().dbUrl()), second.config().dbTimeouts());
      try {
        assertThat(show(pool, "fsync")).isEqualTo("on");
        assertThat(show(pool, "full_page_writes")).isEqualTo("on");
        assertThat(show(pool, "synchronous_commit")).isEqualTo("off");
        assertThat(show(pool, "wal_writer_delay")).isEqualTo("200ms");
      } finally {
        pool.close();
      }
    }
    assertThat(postgresServing(dataDir.resolve("pg"))).as("PostgreSQL processes left running").isEmpty();
  }

  @Test
  @DisplayName("a tracker killed with kill -9 takes its PostgreSQL with it within seconds, refuses no restart, and keeps every committed peer")
  void killedTrackerTakesItsPostgresAlongAndRestarts(Vertx vertx, @TempDir Path dataDir) throws Exception {
    Path pgDir = dataDir.resolve("pg");
    Process killed = startTrackerProcess(dataDir);
    Peer author;
    long postmaster;
    try {
      TrackerApi api = new TrackerApi(vertx, awaitListening(killed));
      author = api.register("author", List.of(file(sha("thesis"), "thesis.pdf", 9_000)));
      api.register("reader", List.of());
      postmaster = postmasterPid(pgDir);
      assertThat(postgresServing(pgDir)).containsExactly(postmaster);

      // While the tracker lives, its directory is its own.
      assertThatThrownBy(() -> Tracker.start(config(dataDir)))
          .hasMessageContaining("another tracker is running on " + pgDir.toAbsolutePath());

      killed.destroyForcibly();
      assertThat(killed.waitFor(10, TimeUnit.SECONDS)).isTrue();
      // The watchdog notices the tracker's death and stops PostgreSQL cleanly.
      ProcessHandle orphan = ProcessHandle.of(postmaster).orElse(null);
      if (orphan != null) {
        orphan.onExit().get(10, TimeUnit.SECONDS);
      }
      assertThat(postgresServing(pgDir)).as("PostgreSQL processes outliving their tracker").isEmpty();
    } finally {
      killed.destroyForcibly();
    }

    try (Tracker restarted = Tracker.start(config(dataDir))) {
      TrackerApi api = new TrackerApi(vertx, restarted.url());
      assertThat(api.get("/api/v1/peers").bodyAsJsonArray().stream().map(p -> ((JsonObject) p).getString("name")))
          .containsExactlyInAnyOrder("author", "reader");
      assertThat(api.get("/api/v1/files/" + sha("thesis")).statusCode()).isEqualTo(200);
      assertThat(api.post("/api/v1/peers/" + author.peerId() + "/heartbeat", author.token(), null).statusCode()).isEqualTo(200);
    }
    assertThat(postgresServing(pgDir)).as("PostgreSQL processes left running").isEmpty();
  }

  @Test
  @DisplayName("a PostgreSQL left running on the data directory by a dead tracker is stopped at the next start, which keeps every committed peer")
  void restartStopsThePostgresADeadTrackerLeftRunning(Vertx vertx, @TempDir Path dataDir) throws Exception {
    Path pgDir = dataDir.resolve("pg");
    String pgCtl;
    try (Tracker first = Tracker.start(config(dataDir))) {
      new TrackerApi(vertx, first.url()).register("survivor", List.of(file(sha("kept"), "kept.bin", 1)));
      pgCtl = ProcessHandle.of(postmasterPid(pgDir)).flatMap(process -> process.info().command()).orElseThrow()
          .replaceFirst("/postgres$", "/pg_ctl");
    }
    // What a tracker killed together with its watchdog (its whole process group, say) leaves behind:
    // PostgreSQL running on the directory, in a session of its own, and nobody holding the lock.
    List<String> command = new ArrayList<>();
    if ("root".equals(System.getProperty("user.name"))) {
      command.addAll(List.of("unshare", "-U")); // as zonky does: PostgreSQL refuses to run as root
    }
    command.addAll(List.of(pgCtl, "-D", pgDir.toString(), "-o", "-p " + freePort(), "-l",
        dataDir.resolve("orphan.log").toString(), "-w", "start"));
    Process start = new ProcessBuilder(command).redirectErrorStream(true).start();
    assertThat(start.waitFor(30, TimeUnit.SECONDS) && start.exitValue() == 0).as(new String(start.getInputStream().readAllBytes())).isTrue();
    long orphan = postmasterPid(pgDir);
    assertThat(postgresServing(pgDir)).containsExactly(orphan);

    try (Tracker restarted = Tracker.start(config(dataDir))) {
      assertThat(ProcessHandle.of(orphan).map(ProcessHandle::isAlive).orElse(false)).as("orphan stopped").isFalse();
      assertThat(postmasterPid(pgDir)).isNotEqualTo(orphan);
      TrackerApi api = new TrackerApi(vertx, restarted.url());
      assertThat(api.get("/api/v1/peers").bodyAsJsonArray().stream().map(p -> ((JsonObject) p).getString("name")))
          .containsExactly("survivor");
    }
    assertThat(postgresServing(pgDir)).as("PostgreSQL processes left running").isEmpty();
  }

  private static TrackerConfig config(Path dataDir) {
    return new TrackerConfig("127.0.0.1", 0, null, dataDir, Duration.ofSeconds(10), Duration.ofMinutes(5));
  }

  /** {@code shoal tracker} in a JVM of its own, on this test's class path. */
  private static Process startTrackerProcess(Path dataDir) throws IOException {
    return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), "shoal.tracker.Main",
        "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir.toString())
        .redirectError(dataDir.resolve("tracker.log").toFile())
        .start();
  }

  private static String awaitListening(Process tracker) throws Exception {
    BufferedReader stdout = new BufferedReader(new InputStreamReader(tracker.getInputStream(), StandardCharsets.UTF_8));
    String line = CompletableFuture.supplyAsync(() -> {
      try {
        return String.valueOf(stdout.readLine());
      } catch (IOException e) {
        return e.toString();
      }
    }).get(90, TimeUnit.SECONDS);
    Matcher listening = LISTENING.matcher(line);
    assertThat(listening.matches()).as(line).isTrue();
    return listening.group(1);
  }

  private static long postmasterPid(Path pgDir) throws IOException {
    return Long.parseLong(Files.readAllLines(pgDir.resolve("postmaster.pid")).get(0).trim());
  }

  private static String show(Pool pool, String setting) {
    return TrackerApi.await(pool.query("SHOW " + setting).execute()).iterator().next().getString(0);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** PostgreSQL server processes started on {@code pgDir}, whoever started them. */
  private static List<Long> postgresServing(Path pgDir) {
    String dir = pgDir.toString();
    return ProcessHandle.allProcesses()
        .filter(process -> process.info().command().map(command -> command.endsWith("/postgres")).orElse(false))
        .filter(process -> process.info().arguments().map(args -> Arrays.asList(args).contains(dir)).orElse(false))
        .map(ProcessHandle::pid)
        .toList();
  }
}
