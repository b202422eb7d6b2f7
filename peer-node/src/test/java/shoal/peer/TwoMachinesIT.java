package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import shoal.peer.testing.ChildJvm;
import shoal.peer.testing.Eventually;
import shoal.peer.testing.HttpCall.Answer;
import shoal.peer.testing.HttpCall;
import shoal.peer.testing.PackagedJars;
import shoal.peer.testing.TestFiles;
import shoal.peer.testing.TwoHosts;

/**
 * The packaged jars on two "machines": two network namespaces joined by a veth pair (see
 * {@link TwoHosts}). The tracker and alice run on the first, at 10.231.7.1; bob, a refused peer
 * and {@code get} on the second, at 10.231.7.2. Peers get only {@code --tracker} and
 * {@code --share}, as a user on a LAN would type, and everything runs on its default ports: each
 * namespace has ports of its own, so nothing collides with other tests.
 */
@Timeout(300)
@DisplayName("Two machines, no flags")
class TwoMachinesIT {

  private static final String TRACKER = "http://" + TwoHosts.FIRST_IP + ":8080";
  private static final Pattern CONTROL = Pattern.compile("control (http://127\\.0\\.0\\.1:\\d+)/\\?token=(\\S+)");
  /** Two pieces and a bit, so the download goes piece by piece. */
  private static final long SIZE = 9L << 20;

  @TempDir
  static Path dir;

  private static TwoHosts hosts;
  private static final List<ChildJvm> running = new ArrayList<>();
  private static Path aliceFile;
  private static String sha256;

  @BeforeAll
  static void startTrackerAndAlice() throws Exception {
    hosts = TwoHosts.create();
    // All the tracker's defaults (0.0.0.0:8080) but its data folder; its embedded PostgreSQL runs on the first
    // machine's own loopback.
    running.add(ChildJvm.startOn(hosts::inFirst, PackagedJars.tracker(), List.of("--data-dir", dir.resolve("tracker").toString()),
        dir.resolve("tracker.log"), 1, 150));
    aliceFile = dir.resolve("alice").resolve("x.bin");
    sha256 = TestFiles.random(aliceFile, SIZE, 7);
    ChildJvm alice = startPeer(hosts::inFirst, "alice");
    running.add(alice);
    assertThat(alice.urls().get(0)).as("alice's files port listens where she reaches the tracker from")
        .isEqualTo("http://" + TwoHosts.FIRST_IP + ":7001");
  }

  @AfterAll
  static void stopEverything() throws Exception {
    try {
      // Peers first, so that they leave the tracker while it still runs; a stop that fails is a kill.
      for (int i = running.size() - 1; i >= 0; i--) {
        try {
          running.get(i).stop();
        } catch (Exception e) {
          running.get(i).kill9();
        }
      }
      stopLeftoverPostgres(dir.resolve("tracker").resolve("pg"));
    } finally {
      if (hosts != null) {
        hosts.close();
      }
    }
  }

  @Test
  @DisplayName("bob on the other machine downloads alice's file, both registered at their 10.231.7.x addresses")
  void bobDownloadsFromAlice() throws Exception {
    ChildJvm bob = startPeer(hosts::inSecond, "bob");
    try {
      assertThat(bob.urls().get(0)).isEqualTo("http://" + TwoHosts.SECOND_IP + ":7001");
      Matcher control = bob.awaitLine(CONTROL);

      Answer peers = HttpCall.in(hosts::inSecond, "GET", TRACKER + "/api/v1/peers", null, null);
      assertThat(peers.status()).isEqualTo(200);
      Map<String, String> addresses = new JsonArray(peers.body()).stream().map(JsonObject.class::cast)
          .collect(Collectors.toMap(peer -> peer.getString("name"), peer -> peer.getString("address")));
      assertThat(addresses).as("registered addresses, which other machines can reach").containsExactlyInAnyOrderEntriesOf(Map.of(
          "alice", "http://" + TwoHosts.FIRST_IP + ":7001",
          "bob", "http://" + TwoHosts.SECOND_IP + ":7001"));

      Answer started = HttpCall.in(hosts::inSecond, "POST", control.group(1) + "/api/v1/downloads", control.group(2),
          new JsonObject().put("sha256", sha256).encode());
      assertThat(started.status()).as(started.body()).isEqualTo(202);
      Path bobFile = dir.resolve("bob").resolve("x.bin");
      // The file appears in bob's share only once it is whole and verified.
      Eventually.within(Duration.ofSeconds(90), () -> assertThat(bobFile).exists());
      assertThat(Files.mismatch(aliceFile, bobFile)).as("bob's copy is alice's, byte for byte").isEqualTo(-1);

      Answer download = HttpCall.in(hosts::inSecond, "GET",
          control.group(1) + "/api/v1/downloads/" + new JsonObject(started.body()).getString("downloadId"),
          control.group(2), null);
      JsonObject status = new JsonObject(download.body());
      assertThat(status.getString("state")).isEqualTo("done");
      assertThat(status.getJsonArray("sources").getJsonObject(0).getLong("bytes")).as("alice sent it").isPositive();
    } finally {
      bob.stop();
    }
  }

  @Test
  @DisplayName("`get` on the other machine, given only --tracker, downloads alice's file")
  void getDownloadsFromAlice() throws Exception {
    Path out = dir.resolve("got");
    Run get = run(hosts.inSecond(java("get", "--tracker", TRACKER, sha256, "--out", out.toString())), "get");
    assertThat(get.exitCode()).as(get.stderr()).isZero();
    assertThat(Files.mismatch(aliceFile, out.resolve("x.bin"))).isEqualTo(-1);
  }

  @Test
  @DisplayName("a peer on the other machine started with --host 127.0.0.1 is refused at registration with a sentence "
      + "naming the flag to set, and exits non-zero")
  void loopbackPeerIsRefused() throws Exception {
    TestFiles.text(dir.resolve("carol").resolve("notes.txt"), "carol's notes");
    Run carol = run(hosts.inSecond(java("peer", "--tracker", TRACKER, "--share", dir.resolve("carol").toString(),
        "--host", "127.0.0.1")), "carol");
    assertThat(carol.exitCode()).isEqualTo(1);
    assertThat(carol.stderr()).contains("the tracker refused this peer: This peer registered the loopback address "
        + "http://127.0.0.1:7001, which other machines cannot reach")
        .contains("--advertise http://" + TwoHosts.SECOND_IP + ":7001");

    // The API says the same to any client, as the contract's error.
    Answer refused = HttpCall.in(hosts::inSecond, "POST", TRACKER + "/api/v1/peers", null,
        new JsonObject().put("name", "dave").put("address", "http://localhost:7001").put("files", new JsonArray()).encode());
    assertThat(refused.status()).isEqualTo(400);
    JsonObject error = new JsonObject(refused.body());
    assertThat(error.getString("error")).isEqualTo("invalid_request");
    assertThat(error.getString("message")).contains("loopback address http://localhost:7001").contains("--advertise");

    Answer peers = HttpCall.in(hosts::inFirst, "GET", TRACKER + "/api/v1/peers", null, null);
    assertThat(new JsonArray(peers.body()).stream().map(peer -> ((JsonObject) peer).getString("name")))
        .doesNotContain("carol", "dave");
  }

  @Test
  @DisplayName("a peer on the other machine listening on every interface (--host 0.0.0.0) advertises the address it "
      + "reaches the tracker from")
  void wildcardHostAdvertisesTheRouteToTheTracker() throws Exception {
    Files.createDirectories(dir.resolve("erin"));
    ChildJvm erin = ChildJvm.startOn(hosts::inSecond, PackagedJars.peer(), List.of("peer", "--tracker", TRACKER,
        "--share", dir.resolve("erin").toString(), "--host", "0.0.0.0"), dir.resolve("erin.log"), 2, 90);
    try {
      assertThat(erin.urls().get(0)).isEqualTo("http://0.0.0.0:7001");
      Answer peers = HttpCall.in(hosts::inFirst, "GET", TRACKER + "/api/v1/peers", null, null);
      assertThat(new JsonArray(peers.body()).stream().map(JsonObject.class::cast)
          .filter(peer -> peer.getString("name").equals("erin")).map(peer -> peer.getString("address")))
          .containsExactly("http://" + TwoHosts.SECOND_IP + ":7001");
    } finally {
      erin.stop();
    }
  }

  /** A peer sharing {@code dir/NAME}, started with nothing but {@code --tracker} and {@code --share}. */
  private static ChildJvm startPeer(UnaryOperator<List<String>> host, String name) throws Exception {
    Files.createDirectories(dir.resolve(name));
    return ChildJvm.startOn(host, PackagedJars.peer(), List.of("peer", "--tracker", TRACKER, "--share", dir.resolve(name).toString()),
        dir.resolve(name + ".log"), 2, 90);
  }

  /** How a command run to its end ended. */
  private record Run(int exitCode, String stderr) {}

  /** Runs {@code command} to its end, 120 s at most, and answers its exit code and standard error. */
  private static Run run(List<String> command, String name) throws Exception {
    Path stderr = dir.resolve(name + ".err");
    Process process = new ProcessBuilder(command)
        .redirectOutput(dir.resolve(name + ".out").toFile())
        .redirectError(stderr.toFile())
        .start();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError(String.join(" ", command) + " did not end within 120 s; " + Files.readString(stderr));
    }
    return new Run(process.exitValue(), Files.readString(stderr));
  }

  /** {@code java -jar shoal-peer-fat.jar ARGS}. */
  private static List<String> java(String... args) {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-jar", PackagedJars.peer().toString()));
    command.addAll(List.of(args));
    return command;
  }

  /** After a failure half-way: stops a PostgreSQL that a killed tracker left running, by its pid file. */
  private static void stopLeftoverPostgres(Path database) throws Exception {
    Path pidFile = database.resolve("postmaster.pid");
    if (Files.exists(pidFile)) {
      String pid = Files.readAllLines(pidFile).get(0).trim();
      new ProcessBuilder("kill", "-INT", pid).start().waitFor(10, TimeUnit.SECONDS);
      ProcessHandle.of(Long.parseLong(pid)).ifPresent(postgres -> postgres.onExit().orTimeout(30, TimeUnit.SECONDS).join());
    }
  }
}
