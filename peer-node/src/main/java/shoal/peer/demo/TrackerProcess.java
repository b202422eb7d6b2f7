package shoal.peer.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The demo's tracker: the tracker's own jar in a child process, found by the {@code listening on} line it prints. */
final class TrackerProcess implements AutoCloseable {

  private static final Pattern LISTENING = Pattern.compile("listening on (http://\\S+)");

  private final Process process;
  private final String url;

  private TrackerProcess(Process process, String url) {
    this.process = process;
    this.url = url;
  }

  static TrackerProcess start(Path jar, Path dataDir, long timeoutSeconds) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process process = new ProcessBuilder(List.of(java, "-jar", jar.toString(),
        "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir.toString()))
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    CompletableFuture<String> url = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = lines.readLine()) != null) {
          Matcher m = LISTENING.matcher(line);
          if (m.find()) {
            url.complete(m.group(1));
          }
        }
        url.completeExceptionally(new IOException("the tracker exited with status " + process.waitFor()));
      } catch (IOException | InterruptedException e) {
        url.completeExceptionally(e);
      }
    }, "shoal-demo-tracker-output");
    reader.setDaemon(true);
    reader.start();
    try {
      return new TrackerProcess(process, url.get(timeoutSeconds, TimeUnit.SECONDS));
    } catch (Exception e) {
      process.destroyForcibly();
      throw e;
    }
  }

  String url() {
    return url;
  }

  /** SIGTERM, so the tracker stops its database cleanly; killed if it takes too long. */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
