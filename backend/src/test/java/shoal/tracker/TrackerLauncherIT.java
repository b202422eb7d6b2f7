package shoal.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The packaged tracker jar, run the way {@code ./shoal tracker} runs it. */
@Timeout(120)
@DisplayName("The packaged tracker")
class TrackerLauncherIT {

  private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");

  @Test
  @DisplayName("starts on the embedded PostgreSQL from SHOAL_* variables, prints one listening line, and stops on SIGTERM")
  void runsFromEnvironmentAndStopsOnSigterm(@TempDir Path dataDir) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(javaBinary(), "-jar", jar().toString())
        .redirectError(ProcessBuilder.Redirect.DISCARD);
    builder.environment().put("SHOAL_HOST", "127.0.0.1");
    builder.environment().put("SHOAL_PORT", "0");
    builder.environment().put("SHOAL_DATA_DIR", dataDir.toString());
    Process tracker = builder.start();
    try {
      BufferedReader stdout = new BufferedReader(new InputStreamReader(tracker.getInputStream(), StandardCharsets.UTF_8));
      String first = CompletableFuture.supplyAsync(() -> readLine(stdout)).get(90, TimeUnit.SECONDS);
      Matcher listening = LISTENING.matcher(first);
      assertThat(listening.matches()).as(first).isTrue();

      HttpResponse<String> health = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + listening.group(1) + "/health")).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(dataDir.resolve("pg/PG_VERSION")).exists();

      // kill(1) rather than Process.destroy(), which would also close our end of its stdout.
      new ProcessBuilder("kill", "-TERM", Long.toString(tracker.pid())).start().waitFor(10, TimeUnit.SECONDS);
      assertThat(tracker.waitFor(30, TimeUnit.SECONDS)).as("stopped within 30 s of SIGTERM").isTrue();
      List<String> rest = new ArrayList<>();
      for (String line = stdout.readLine(); line != null; line = stdout.readLine()) {
        rest.add(line);
      }
      assertThat(rest).as("stdout carries only the listening line").isEmpty();
      assertThat(Files.exists(dataDir.resolve("pg/postmaster.pid"))).as("embedded PostgreSQL stopped").isFalse();
    } finally {
      tracker.destroyForcibly();
    }
  }

  @Test
  @DisplayName("a bad option exits 2 at once with a sentence")
  void badOptionExitsWithASentence() throws Exception {
    Process tracker = new ProcessBuilder(javaBinary(), "-jar", jar().toString(), "--peer-ttl", "forever").start();
    assertThat(tracker.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(tracker.exitValue()).isEqualTo(2);
    assertThat(new String(tracker.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
        .contains("'forever' is not a duration").doesNotContain("\tat ");
  }

  private static String readLine(BufferedReader reader) {
    try {
      String line = reader.readLine();
      return line == null ? "(stdout closed)" : line;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static Path jar() {
    Path jar = Path.of("target", "shoal-tracker-fat.jar");
    assertThat(jar).exists();
    return jar;
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
