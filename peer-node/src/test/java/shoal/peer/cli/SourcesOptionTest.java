package shoal.peer.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;
import shoal.peer.Main;
import shoal.peer.PeerConfig;

/**
 * {@code --sources N} on {@code shoal peer} and {@code shoal get}: the value the user gives is the
 * one their node downloads with, and a value out of range stops the command before it starts
 * anything. No tracker is needed: a refused value never gets as far as calling one.
 */
@Timeout(30)
@DisplayName("--sources on ./shoal peer and ./shoal get")
class SourcesOptionTest {

  /** Nothing listens there; a command that called it would fail another way. */
  private static final String NO_TRACKER = "http://127.0.0.1:9";

  @ParameterizedTest(name = "./shoal {0} --sources {1}")
  @CsvSource({"peer, 0", "peer, 33", "get, 0", "get, 33"})
  @DisplayName("out of 1 to 32: exit 2 and one sentence on stderr, no stack trace, nothing written")
  void refusesSourcesOutOfRange(String command, int sources, @TempDir Path dir) throws Exception {
    List<String> args = "peer".equals(command)
        ? List.of("peer", "--tracker", NO_TRACKER, "--share", dir.toString(), "--sources", String.valueOf(sources))
        : List.of("get", "--tracker", NO_TRACKER, "--out", dir.toString(), "--sources", String.valueOf(sources), "a.txt");
    StringWriter stdout = new StringWriter();
    StringWriter stderr = new StringWriter();

    int exit = new CommandLine(new Main()).setOut(new PrintWriter(stdout)).setErr(new PrintWriter(stderr))
        .execute(args.toArray(String[]::new));

    assertThat(exit).isEqualTo(2);
    assertThat(stderr.toString()).isEqualTo(
        "shoal " + command + ": --sources must be between 1 and 32, not " + sources + System.lineSeparator());
    assertThat(stdout.toString()).isEmpty();
    try (Stream<Path> written = Files.list(dir)) {
      assertThat(written).as("the folder is left as it was").isEmpty();
    }
  }

  @Test
  @DisplayName("./shoal peer --sources 7: the peer's config says 7")
  void peerTakesSources(@TempDir Path share) {
    PeerCommand peer = new PeerCommand();
    new CommandLine(peer).parseArgs("--tracker", NO_TRACKER, "--share", share.toString(), "--sources", "7");

    assertThat(peer.config().sources()).isEqualTo(7);
  }

  @Test
  @DisplayName("./shoal get --sources 1: a download-only config with 1 source, saving into --out")
  void getTakesSources(@TempDir Path out) {
    GetCommand get = new GetCommand();
    new CommandLine(get).parseArgs("--tracker", NO_TRACKER, "--out", out.toString(), "--sources", "1", "a.txt");

    PeerConfig config = get.config();
    assertThat(config.sources()).isEqualTo(1);
    assertThat(config.share()).isEqualTo(out);
    assertThat(config.name()).isEqualTo("shoal-get");
  }

  @Test
  @DisplayName("without --sources or SHOAL_SOURCES, both commands use 4 holders at once")
  void defaultsToFour(@TempDir Path dir) {
    assumeTrue(System.getenv("SHOAL_SOURCES") == null, "SHOAL_SOURCES is set in this environment");
    PeerCommand peer = new PeerCommand();
    new CommandLine(peer).parseArgs("--tracker", NO_TRACKER, "--share", dir.toString());
    GetCommand get = new GetCommand();
    new CommandLine(get).parseArgs("--tracker", NO_TRACKER, "--out", dir.toString(), "a.txt");

    assertThat(peer.config().sources()).isEqualTo(4);
    assertThat(get.config().sources()).isEqualTo(4);
  }
}
