package shoal.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** {@code shoal tracker}'s command line: help, and a sentence with a non-zero exit for bad options. */
@Timeout(30)
@DisplayName("The tracker command line")
class TrackerCommandTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return new CommandLine(new Main()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
  }

  @Test
  @DisplayName("--help lists every option and exits 0")
  void helpListsEveryOption() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString()).contains("--host", "--port", "--db-url", "--data-dir", "--heartbeat", "--peer-ttl", "--transfer-retention", "SHOAL_");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "--heartbeat=soon              | is not a duration",
      "--peer-ttl=5s                 | must be longer than --heartbeat",
      "--port=70000                  | between 0 and 65535",
      "--transfer-retention=0s       | --transfer-retention must be longer than zero",
      "--port=eighty                 | '--port'",
      "--db-url=mysql://db/shoal     | postgresql://",
      "--unknown-option              | Unknown option"})
  @DisplayName("a bad option exits non-zero with a sentence saying what is wrong")
  void badOptionsExitWithASentence(String option, String sentence) {
    int exitCode = run(option);

    assertThat(exitCode).isEqualTo(2);
    assertThat(err.toString()).contains(sentence).doesNotContain("Exception", "\tat ");
  }
}
