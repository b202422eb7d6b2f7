package shoal.tracker.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Prometheus's own {@code promtool check metrics}: reads an exposition on stdin and lints it (names,
 * HELP, TYPE, suffixes), printing one note per problem and exiting non-zero. Found on the PATH;
 * Debian's {@code prometheus} package installs it, as {@code .ci/run} does.
 */
public final class Promtool {

  /** What {@code promtool check metrics} made of an exposition. */
  public record Verdict(int exitCode, String output) {}

  private Promtool() {}

  public static Verdict checkMetrics(String exposition) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(executable().toString(), "check", "metrics").redirectErrorStream(true).start();
    try (OutputStream stdin = process.getOutputStream()) {
      stdin.write(exposition.getBytes(StandardCharsets.UTF_8));
    }
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("promtool check metrics did not finish within 30 s");
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Verdict(process.exitValue(), output);
  }

  private static Path executable() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(dir, "promtool");
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw new AssertionError("promtool is not installed: install Debian's prometheus package "
        + "(apt-get install prometheus), which provides /usr/bin/promtool, as .ci/run does");
  }
}
