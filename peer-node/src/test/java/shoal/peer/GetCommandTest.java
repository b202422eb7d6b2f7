package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.junit5.VertxExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import shoal.peer.share.Sha256;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;

/** {@code ./shoal get} when a peer has the file: what it prints where no terminal is attached, and what it saves. */
@ExtendWith(VertxExtension.class)
@DisplayName("./shoal get")
class GetCommandTest {

  private static final long SIZE = 6L << 20;
  /** One progress line: percent, bytes of size, rate and ETA, e.g. {@code 33%  2.0 MiB of 6.0 MiB  2.0 MiB/s  ETA 0:02}. */
  private static final Pattern PROGRESS = Pattern.compile("(\\d{1,3})%  \\S+ \\S+ of 6\\.0 MiB  \\S+ \\S+/s  ETA \\S+");

  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest();


  @Test
  @DisplayName("by name, to a pipe: plain progress lines, then the saved file's line; exit 0 once the SHA-256 is verified")
  void printsPlainProgressAndSavesVerifiedFile(@TempDir Path share, @TempDir Path out) throws Exception {
    // The bar redraws in place only on a console; the test JVM's output is a pipe, as a log file would be.
    assumeTrue(System.console() == null, "the test JVM has a console");
    String sha256 = TestFiles.random(share.resolve("lecture.mp4"), SIZE, 17);
    // Paced at 2 MiB/s, the 6 MiB take about three seconds: long enough for several of the once-a-second lines.
    network.peer("alice", share, config -> config.withUploadLimit(2L << 20));
    StringWriter stdout = new StringWriter();
    StringWriter stderr = new StringWriter();
    CommandLine cli = new CommandLine(new Main()).setOut(new PrintWriter(stdout)).setErr(new PrintWriter(stderr));

    int exit = cli.execute("get", "--tracker", network.trackerUrl(), "--out", out.toString(), "lecture.mp4");

    assertThat(exit).as(stderr.toString()).isZero();
    assertThat(stderr.toString()).isEmpty();
    assertThat(stdout.toString()).as("no carriage returns: every line stands on its own").doesNotContain("\r");
    List<String> lines = stdout.toString().lines().toList();
    Path saved = out.resolve("lecture.mp4").toAbsolutePath();
    assertThat(lines.get(lines.size() - 1)).isEqualTo("saved " + saved + " (" + SIZE + " bytes, SHA-256 verified)");
    List<String> progress = lines.subList(0, lines.size() - 1);
    assertThat(progress).hasSizeGreaterThanOrEqualTo(2).allMatch(line -> PROGRESS.matcher(line).matches());
    List<Integer> percents = progress.stream().map(GetCommandTest::percentOf).toList();
    assertThat(percents).isSorted();
    assertThat(percents.get(percents.size() - 1)).as("the last progress line has moved on from the first").isGreaterThan(percents.get(0));

    assertThat(Sha256.ofFile(saved)).isEqualTo(sha256);
    assertThat(out.resolve(".shoal")).as("no partial-download folder left behind").doesNotExist();
    assertThat(network.tracker().get("/api/v1/peers").bodyAsJsonArray()).as("the get peer has left").hasSize(1);
  }

  private static int percentOf(String line) {
    Matcher matcher = PROGRESS.matcher(line);
    assertThat(matcher.matches()).isTrue();
    return Integer.parseInt(matcher.group(1));
  }
}
