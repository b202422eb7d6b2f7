package shoal.peer.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Shoal server in a JVM of its own, as a user starts it: {@code java -jar JAR ARGS}, its
 * standard error appended to a log file, its {@code listening on} lines read from standard
 * output. Faults are real signals: {@code kill -9}, {@code SIGSTOP} and {@code SIGCONT}.
 */
public final class ChildJvm {

  private static final Pattern LISTENING = Pattern.compile("listening on (http://\\S+)");

  private final Process process;
  private final List<String> urls;

  private ChildJvm(Process process, List<String> urls) {
    this.process = process;
    this.urls = urls;
  }

  /** {@code java -jar JAR ARGS}, once it has printed {@code listeners} {@code listening on} lines. */
  public static ChildJvm start(Path jar, List<String> args, Path log, int listeners, long timeoutSeconds) throws Exception {
    return launch(List.of("-jar", jar.toString()), args, log, listeners, timeoutSeconds);
  }

  /** {@code MAIN_CLASS ARGS} on this JVM's own class path, once it has printed {@code listeners} {@code listening on} lines. */
  public static ChildJvm startMain(String mainClass, List<String> args, Path log, int listeners, long timeoutSeconds)
      throws Exception {
    return launch(List.of("-cp", System.getProperty("java.class.path"), mainClass), args, log, listeners, timeoutSeconds);
  }

  private static ChildJvm launch(List<String> what, List<String> args, Path log, int listeners, long timeoutSeconds)
      throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m"));
    command.addAll(what);
    command.addAll(args);
    Process process = new ProcessBuilder(command)
        .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    BlockingQueue<String> lines = ProcessLines.of(process);
    List<String> urls = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    while (urls.size() < listeners) {
      String line = lines.poll(100, TimeUnit.MILLISECONDS);
      Matcher m = line == null ? null : LISTENING.matcher(line);
      if (m != null && m.find()) {
        urls.add(m.group(1));
      } else if (System.nanoTime() > deadline || (line == null && !process.isAlive())) {
        process.destroyForcibly();
        throw new IllegalStateException("'" + String.join(" ", args) + "' did not start; see " + log);
      }
    }
    return new ChildJvm(process, urls);
  }

  /** The URLs it printed, in order. */
  public List<String> urls() {
    return urls;
  }

  public long pid() {
    return process.pid();
  }

  public boolean alive() {
    return process.isAlive();
  }

  public void kill9() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  public void pause() throws Exception {
    signal("-STOP");
  }

  public void resume() throws Exception {
    signal("-CONT");
  }

  /** SIGTERM, the way Ctrl-C or a service manager stops it; killed after 30 s. */
  public void stop() throws Exception {
    resume();
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      kill9();
    }
  }

  private void signal(String signal) throws Exception {
    new ProcessBuilder("kill", signal, Long.toString(process.pid())).start().waitFor(10, TimeUnit.SECONDS);
  }
}
