package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.junit5.VertxExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import shoal.peer.share.Sha256;
import shoal.peer.testing.Eventually;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.ProcessLines;
import shoal.peer.testing.TestFiles;

/**
 * {@code ./shoal get --wait}: a file nobody shares yet is downloaded as soon as a peer shares it,
 * woken by the tracker's event stream (its slow safety re-check comes only every 30 s, far later
 * than these tests allow), and {@code --timeout} gives up with the tracker's sentence.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("./shoal get --wait")
class GetWaitTest {

  private static final String SORRY = "Sorry, the file you requested is not available. Please try again later.";
  /** Far below the 30 s safety re-check: only an event can wake the wait this soon. */
  private static final Duration WAKE_UP = Duration.ofSeconds(15);

  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest();

  /** A run of the command in the background, its output readable while it runs. */
  private record Run(CompletableFuture<Integer> exit, StringWriter stdout, StringWriter stderr) {}

  @Test
  @DisplayName("by name, started before anyone shares the file: says it waits, then downloads it once a peer shares it; exit 0, the bytes right")
  void waitsByNameUntilAPeerSharesIt(@TempDir Path share, @TempDir Path out) throws Exception {
    Run run = start("--wait", "--out", out.toString(), "field-notes.pdf");
    Eventually.within(Duration.ofSeconds(20), () ->
        assertThat(run.stdout().toString()).contains("No peer has field-notes.pdf yet: waiting for one to share it"));
    assertThat(run.exit()).as("still waiting").isNotDone();
    assertThat(filesUnder(out)).isEmpty();

    String sha256 = TestFiles.random(share.resolve("field-notes.pdf"), 3L << 20, 23);
    long shared = System.nanoTime();
    network.peer("alice", share);

    int exit = run.exit().get(WAKE_UP.toSeconds(), TimeUnit.SECONDS);
    assertThat(exit).as(run.stderr().toString()).isZero();
    assertThat(Duration.ofNanos(System.nanoTime() - shared)).isLessThan(WAKE_UP);
    assertThat(run.stdout().toString().strip()).endsWith("saved " + out.resolve("field-notes.pdf").toAbsolutePath()
        + " (" + (3L << 20) + " bytes, SHA-256 verified)");
    assertThat(Sha256.ofFile(out.resolve("field-notes.pdf"))).isEqualTo(sha256);
    assertThat(out.resolve(".shoal")).as("no partial-download folder left behind").doesNotExist();
    assertThat(network.tracker().get("/api/v1/peers").bodyAsJsonArray()).as("the get peer has left").hasSize(1);
  }

  @Test
  @DisplayName("by SHA-256, while other peers come and go without it: keeps waiting, then downloads it from the peer that shares it")
  void waitsBySha256ThroughUnrelatedChanges(@TempDir Path staged, @TempDir Path other, @TempDir Path share, @TempDir Path out)
      throws Exception {
    String sha256 = TestFiles.random(staged.resolve("dataset.csv"), 1L << 20, 29);
    Run run = start("--wait", "--out", out.toString(), sha256);
    Eventually.within(Duration.ofSeconds(20), () -> assertThat(run.stdout().toString()).contains("waiting for one to share it"));

    // An unrelated peer joins: the wait re-checks, finds nothing, and goes on waiting.
    TestFiles.text(other.resolve("unrelated.txt"), "not it");
    network.peer("bob", other);
    Thread.sleep(1_000);
    assertThat(run.exit()).as("still waiting after an unrelated change").isNotDone();

    Files.move(staged.resolve("dataset.csv"), share.resolve("dataset.csv"));
    long shared = System.nanoTime();
    network.peer("alice", share);

    assertThat(run.exit().get(WAKE_UP.toSeconds(), TimeUnit.SECONDS)).as(run.stderr().toString()).isZero();
    assertThat(Duration.ofNanos(System.nanoTime() - shared)).isLessThan(WAKE_UP);
    assertThat(Sha256.ofFile(out.resolve("dataset.csv"))).isEqualTo(sha256);
  }

  @Test
  @DisplayName("--timeout 2s with nobody sharing the file: exit 2 after about two seconds with the tracker's sentence, nothing saved")
  void timeoutGivesUpWithTheTrackersSentence(@TempDir Path out) throws Exception {
    long started = System.nanoTime();
    Run run = start("--wait", "--timeout", "2s", "--out", out.toString(), "never-shared.iso");

    int exit = run.exit().get(30, TimeUnit.SECONDS);
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(exit).isEqualTo(2);
    assertThat(run.stderr().toString().strip()).isEqualTo("shoal get: " + SORRY);
    assertThat(took).isGreaterThanOrEqualTo(Duration.ofSeconds(2)).isLessThan(Duration.ofSeconds(20));
    assertThat(filesUnder(out)).isEmpty();
    assertThat(network.tracker().get("/api/v1/peers").bodyAsJsonArray()).as("the get peer has left").isEmpty();
  }

  @Test
  @DisplayName("without --wait nothing changes: exit 2 at once with the tracker's sentence; --timeout alone is refused")
  void withoutWaitExitsAtOnce(@TempDir Path out) throws Exception {
    Run plain = start("--out", out.toString(), "never-shared.iso");
    assertThat(plain.exit().get(20, TimeUnit.SECONDS)).isEqualTo(2);
    assertThat(plain.stderr().toString().strip()).isEqualTo("shoal get: " + SORRY);
    assertThat(plain.stdout().toString()).doesNotContain("waiting");

    Run timeoutAlone = start("--timeout", "2s", "--out", out.toString(), "never-shared.iso");
    assertThat(timeoutAlone.exit().get(20, TimeUnit.SECONDS)).isEqualTo(2);
    assertThat(timeoutAlone.stderr().toString().strip())
        .isEqualTo("shoal get: --timeout is how long --wait waits: give --wait too");
  }

  @Test
  @DisplayName("waiting without --timeout until stopped: SIGTERM (as Ctrl-C) ends it, and it leaves the tracker on its way out")
  void stoppingAWaitLeavesTheTracker(@TempDir Path out, @TempDir Path logs) throws Exception {
    Process get = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "get", "--tracker", network.trackerUrl(), "--wait", "--out", out.toString(), "someday.iso")
        .redirectError(logs.resolve("get.log").toFile())
        .start();
    try {
      BlockingQueue<String> lines = ProcessLines.of(get);
      String line;
      do {
        line = lines.poll(30, TimeUnit.SECONDS);
        assertThat(line).as("the waiting line, see " + logs.resolve("get.log")).isNotNull();
      } while (!line.contains("waiting for one to share it"));
      assertThat(line).isEqualTo("No peer has someday.iso yet: waiting for one to share it (Ctrl-C stops).");
      assertThat(network.tracker().get("/api/v1/peers").bodyAsJsonArray()).as("the waiting get is registered").hasSize(1);

      get.destroy();

      assertThat(get.waitFor(30, TimeUnit.SECONDS)).isTrue();
      // Well inside the tracker's 5 s TTL: the peer left rather than expired.
      assertThat(network.tracker().get("/api/v1/peers").bodyAsJsonArray()).as("the get peer has left").isEmpty();
    } finally {
      get.destroyForcibly();
    }
  }

  private Run start(String... args) {
    StringWriter stdout = new StringWriter();
    StringWriter stderr = new StringWriter();
    CommandLine cli = new CommandLine(new Main())
        .setOut(new PrintWriter(stdout, true)).setErr(new PrintWriter(stderr, true));
    String[] all = Stream.concat(Stream.of("get", "--tracker", network.trackerUrl()), Stream.of(args)).toArray(String[]::new);
    return new Run(CompletableFuture.supplyAsync(() -> cli.execute(all)), stdout, stderr);
  }

  private static List<Path> filesUnder(Path dir) throws Exception {
    try (Stream<Path> all = Files.walk(dir)) {
      return all.filter(Files::isRegularFile).toList();
    }
  }
}
