package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import shoal.peer.cli.GetCommand;
import shoal.peer.cli.Terminal;
import shoal.peer.share.Sha256;
import shoal.peer.testing.FakeHolder;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;
import shoal.tracker.testing.TrackerApi;

/**
 * {@code ./shoal get}: what it prints on a terminal and on a pipe, what it saves, and how it ends
 * when nobody has the file or every holder fails. The terminal is decided by the {@link Terminal}
 * each run is given, so both kinds of output are tested on any JDK and any CI.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("./shoal get")
class GetCommandTest {

  private static final long SIZE = 6L << 20;
  /** One progress line: percent, bytes of size, rate and ETA, e.g. {@code 33%  2.0 MiB of 6.0 MiB  2.0 MiB/s  ETA 0:02}. */
  private static final Pattern PROGRESS = Pattern.compile("(\\d{1,3})%  \\S+ \\S+ of 6\\.0 MiB  \\S+ \\S+/s  ETA \\S+");
  /** One drawing of the bar: {@code \r[#####.....]  33%  2.0 MiB / 6.0 MiB  2.0 MiB/s  ETA 0:02}, padded. */
  private static final Pattern BAR = Pattern.compile("\\[([#.]{30})\\] +(\\d{1,3})%  \\S+ \\S+ / 6\\.0 MiB  \\S+ \\S+/s  ETA \\S+ *");

  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest();

  /** What one run printed and answered. */
  private record Run(int exit, String stdout, String stderr) {}

  @Test
  @DisplayName("by name, to a pipe: plain progress lines, then the saved file's line; exit 0 once the SHA-256 is verified")
  void printsPlainProgressAndSavesVerifiedFile(@TempDir Path share, @TempDir Path out) throws Exception {
    String sha256 = TestFiles.random(share.resolve("lecture.mp4"), SIZE, 17);
    // Paced at 2 MiB/s, the 6 MiB take about three seconds: long enough for several of the once-a-second lines.
    network.peer("alice", share, config -> config.withUploadLimit(2L << 20));

    Run run = get(() -> false, "--out", out.toString(), "lecture.mp4");

    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.stderr()).isEmpty();
    assertThat(run.stdout()).as("no carriage returns: every line stands on its own").doesNotContain("\r");
    List<String> lines = run.stdout().lines().toList();
    Path saved = out.resolve("lecture.mp4").toAbsolutePath();
    assertThat(lines.get(lines.size() - 1)).isEqualTo("saved " + saved + " (" + SIZE + " bytes, SHA-256 verified)");
    List<String> progress = lines.subList(0, lines.size() - 1);
    assertThat(progress).hasSizeGreaterThanOrEqualTo(2).allMatch(line -> PROGRESS.matcher(line).matches());
    List<Integer> percents = progress.stream().map(line -> percentOf(PROGRESS, line)).toList();
    assertThat(percents).isSorted();
    assertThat(percents.get(percents.size() - 1)).as("the last progress line has moved on from the first").isGreaterThan(percents.get(0));

    assertThat(Sha256.ofFile(saved)).isEqualTo(sha256);
    assertThat(out.resolve(".shoal")).as("no partial-download folder left behind").doesNotExist();
    assertThat(network.tracker().get("/api/v1/peers").bodyAsJsonArray()).as("the get peer has left").hasSize(1);
  }

  @Test
  @DisplayName("on a terminal: one bar redrawn in place, filling up to 100 %, then the saved file's line on a line of its own")
  void drawsABarInPlaceOnATerminal(@TempDir Path share, @TempDir Path out) throws Exception {
    String sha256 = TestFiles.random(share.resolve("lecture.mp4"), SIZE, 17);
    network.peer("alice", share, config -> config.withUploadLimit(2L << 20));

    Run run = get(() -> true, "--out", out.toString(), sha256);

    assertThat(run.exit()).as(run.stderr()).isZero();
    Path saved = out.resolve("lecture.mp4").toAbsolutePath();
    // Split at line feeds only: String.lines() would also split at each \r.
    List<String> lines = List.of(run.stdout().split("\n"));
    assertThat(lines).as("the bar's line, then the saved line").hasSize(2);
    assertThat(lines.get(1)).isEqualTo("saved " + saved + " (" + SIZE + " bytes, SHA-256 verified)");
    // Each drawing starts with \r, so a terminal overwrites the previous one instead of scrolling.
    assertThat(lines.get(0)).startsWith("\r");
    List<String> drawings = List.of(lines.get(0).substring(1).split("\r"));
    assertThat(drawings).as("redrawn as the bytes came in").hasSizeGreaterThanOrEqualTo(3)
        .allMatch(drawing -> BAR.matcher(drawing).matches());
    List<Integer> percents = drawings.stream().map(drawing -> percentOf(BAR, drawing)).toList();
    assertThat(percents).isSorted();
    assertThat(drawings.get(drawings.size() - 1)).startsWith("[" + "#".repeat(30) + "] 100%");
    assertThat(Sha256.ofFile(saved)).isEqualTo(sha256);
  }

  @Test
  @DisplayName("this test JVM's output, a pipe to the build, is not taken for a terminal: no bar is drawn into logs")
  void aPipeIsNotATerminal() {
    // Surefire reads the forked JVM's output through a pipe. From JDK 22 on, System.console() is
    // not null there any more, which is why Terminal asks the console whether it is a terminal.
    assertThat(Terminal.SYSTEM.isTerminal()).isFalse();
  }

  @Test
  @DisplayName("by a name nobody shares: exit 2 with the tracker's own not-available sentence, and nothing saved")
  void byUnknownNameSaysWhatTheTrackerSays(@TempDir Path out) throws Exception {
    // The tracker's sentence as it gives it for a file nobody has, asked for here rather than copied.
    TrackerApi.Peer asker = network.tracker().register("asker", List.of());
    String trackersSentence = network.tracker().startTransfer(asker, TrackerApi.sha("nobody has it"))
        .bodyAsJsonObject().getString("message");
    network.tracker().delete("/api/v1/peers/" + asker.peerId(), asker.token());

    Run run = get(() -> false, "--out", out.toString(), "nobody-shares-this.txt");

    assertThat(run.exit()).isEqualTo(2);
    assertThat(trackersSentence).isNotBlank();
    assertThat(run.stderr().strip()).isEqualTo("shoal get: " + trackersSentence);
    assertThat(filesUnder(out)).isEmpty();
  }

  @Test
  @DisplayName("when the only holder answers errors: exit 1 with a sentence saying every holder failed, no file and no partial left")
  void everyHolderFailedExitsOne(@TempDir Path out) throws Exception {
    String sha256 = TrackerApi.sha("only a failing holder has it");
    try (FakeHolder failing = new FakeHolder((request, stream) ->
        FakeHolder.head(stream, "500 Internal Server Error", "Content-Length: 21"))) {
      failing.register(network.tracker(), "failing", TrackerApi.file(sha256, "report.pdf", 1_000));

      Run run = get(() -> false, "--out", out.toString(), sha256);

      assertThat(run.exit()).as(run.stdout() + run.stderr()).isEqualTo(1);
      assertThat(failing.requests()).as("the holder was tried").isNotEmpty();
      String said = run.stderr().strip();
      assertThat(said).startsWith("shoal get: ").contains("report.pdf").endsWith(".");
      assertThat(said).as("Shoal's own words, not the remote's status line").doesNotContain("500");
      assertThat(filesUnder(out)).isEmpty();
    }
  }

  @Test
  @DisplayName("--sources 1 downloads from one holder at a time and still verifies; --sources 33 is refused with one sentence, exit 2")
  void takesSourcesWithinRange(@TempDir Path share, @TempDir Path out) throws Exception {
    String sha256 = TestFiles.random(share.resolve("notes.bin"), 1L << 20, 5);
    network.peer("alice", share);

    Run refused = get(() -> false, "--sources", "33", "--out", out.toString(), sha256);

    assertThat(refused.exit()).isEqualTo(2);
    assertThat(refused.stderr().strip()).isEqualTo("shoal get: --sources must be between 1 and 32, not 33");
    assertThat(network.tracker().get("/api/v1/peers").bodyAsJsonArray()).as("alice alone is registered").hasSize(1);

    Run run = get(() -> false, "--sources", "1", "--out", out.toString(), sha256);

    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(Sha256.ofFile(out.resolve("notes.bin"))).isEqualTo(sha256);
    assertThat(out.resolve(".shoal")).doesNotExist();
  }

  private Run get(Terminal terminal, String... args) {
    StringWriter stdout = new StringWriter();
    StringWriter stderr = new StringWriter();
    // `get` as a subcommand of the real Main, with only its terminal chosen by the test.
    CommandLine.IFactory factory = new CommandLine.IFactory() {
      @Override
      public <K> K create(Class<K> type) throws Exception {
        return type == GetCommand.class ? type.cast(new GetCommand(terminal)) : CommandLine.defaultFactory().create(type);
      }
    };
    CommandLine cli = new CommandLine(new Main(), factory).setOut(new PrintWriter(stdout)).setErr(new PrintWriter(stderr));
    String[] all = Stream.concat(Stream.of("get", "--tracker", network.trackerUrl()), Stream.of(args)).toArray(String[]::new);
    int exit = cli.execute(all);
    return new Run(exit, stdout.toString(), stderr.toString());
  }

  private static int percentOf(Pattern pattern, String line) {
    Matcher matcher = pattern.matcher(line);
    assertThat(matcher.matches()).as(line).isTrue();
    return Integer.parseInt(matcher.group(pattern == BAR ? 2 : 1));
  }

  private static List<Path> filesUnder(Path dir) throws Exception {
    try (Stream<Path> all = Files.walk(dir)) {
      return all.filter(Files::isRegularFile).toList();
    }
  }
}
