package shoal.peer.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
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
  private final BlockingQueue<String> lines;

  private ChildJvm(Process process, List<String> urls, BlockingQueue<String> lines) {
    this.process = process;
    this.urls = urls;
    this.lines = lines;
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

  /**
   * {@code java -jar JAR ARGS} run through {@code host}, which wraps the command (such as
   * {@link TwoHosts#inFirst}, on another "machine"), once it has printed {@code listeners}
   * {@code listening on} lines.
   */
  public static ChildJvm startOn(UnaryOperator<List<String>> host, Path jar, List<String> args, Path log, int listeners,
      long timeoutSeconds) throws Exception {
    return launch(host, List.of("-jar", jar.toString()), args, log, listeners, timeoutSeconds);
  }

  private static ChildJvm launch(List<String> what, List<String> args, Path log, int listeners, long timeoutSeconds)
      throws Exception {
    return launch(UnaryOperator.identity(), what, args, log, listeners, timeoutSeconds);
  }

  private static ChildJvm launch(UnaryOperator<List<String>> host, List<String> what, List<String> args, Path log,
      int listeners, long timeoutSeconds) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m"));
    command.addAll(what);
    command.addAll(args);
    Process process = new ProcessBuilder(host.apply(command))
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
    return new ChildJvm(process, urls, lines);
  }

  /** The URLs it printed, in order. */
  public List<String> urls() {
    return urls;
  }

  /** The first line of standard output after the {@code listening on} ones that matches {@code pattern}, waiting 30 s at most. */
  public Matcher awaitLine(Pattern pattern) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      String line = lines.poll(100, TimeUnit.MILLISECONDS);
      Matcher m = line == null ? null : pattern.matcher(line);
      if (m != null && m.find()) {
        return m;
      }
    }
    throw new IllegalStateException("no line matching " + pattern + " within 30 s");
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
