package shoal.tracker.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real nginx — Debian's {@code nginx} package, which {@code .ci/run} installs — running the
 * repository's own {@code deploy/nginx/shoal.conf} in front of test trackers. The committed file
 * is used as it is, but for its example values: the tracker addresses, the listen port and the
 * access log's path, each replaced where it stands. A value that is no longer in the file fails
 * the start, so the test never runs a configuration other than the one users copy.
 */
public final class Nginx implements AutoCloseable {

  /** The committed configuration, from the backend module's directory where Maven runs tests. */
  public static final Path COMMITTED_CONFIG = Path.of("..", "deploy", "nginx", "shoal.conf");

  private static final String NGINX = System.getenv().getOrDefault("SHOAL_NGINX", "/usr/sbin/nginx");
  private static final String EXAMPLE_TRACKER_A = "server 127.0.0.1:8081;";
  private static final String EXAMPLE_TRACKER_B = "server 127.0.0.1:8082;";
  private static final String EXAMPLE_LISTEN = "listen 80;";
  private static final String EXAMPLE_ACCESS_LOG = "/var/log/nginx/shoal-access.log";
  /** One access-log line of the committed {@code shoal_upstream} format. */
  private static final Pattern LOG_LINE =
      Pattern.compile("\"(\\S+) (\\S+) HTTP/[\\d.]+\" (\\d{3}) \\d+ upstream=(\\S+)");

  private final Process process;
  private final Path dir;
  private final int port;

  private Nginx(Process process, Path dir, int port) {
    this.process = process;
    this.dir = dir;
    this.port = port;
  }

  /** One request as nginx logged it: which tracker ({@code host:port}) answered it, and how. */
  public record Logged(String method, String path, int status, String upstream) {}

  /**
   * Starts nginx on 127.0.0.1, a free port, in front of two trackers ({@code host:port} each), and
   * returns once it accepts connections.
   */
  public static Nginx start(String trackerA, String trackerB) {
    if (!new File(NGINX).canExecute()) {
      throw new IllegalStateException("the scale-out test needs nginx at " + NGINX
          + ": apt-get install nginx (Debian's package, as .ci/run installs it)");
    }
    try {
      Path dir = Files.createTempDirectory("shoal-nginx");
      // nginx's workers run as nobody when started by root: they must reach the temporary files.
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.createDirectories(dir.resolve("tmp"));
      int port = freePort();
      Map<String, String> replacements = new LinkedHashMap<>();
      replacements.put(EXAMPLE_TRACKER_A, "server " + trackerA + ";");
      replacements.put(EXAMPLE_TRACKER_B, "server " + trackerB + ";");
      replacements.put(EXAMPLE_LISTEN, "listen 127.0.0.1:" + port + ";");
      replacements.put(EXAMPLE_ACCESS_LOG, dir.resolve("access.log").toString());
      Files.writeString(dir.resolve("shoal.conf"), substitute(Files.readString(COMMITTED_CONFIG), replacements));
      // What Debian's /etc/nginx/nginx.conf is to the drop-in, reduced to what a test needs.
      Files.writeString(dir.resolve("nginx.conf"), """
          events {}
          http {
              client_body_temp_path tmp/body;
              proxy_temp_path tmp/proxy;
              fastcgi_temp_path tmp/fastcgi;
              uwsgi_temp_path tmp/uwsgi;
              scgi_temp_path tmp/scgi;
              include shoal.conf;
          }
          """);
      Process process = new ProcessBuilder(NGINX, "-p", dir + "/", "-c", "nginx.conf", "-e", dir.resolve("error.log").toString(),
          "-g", "daemon off; pid " + dir.resolve("nginx.pid") + "; error_log " + dir.resolve("error.log") + ";")
          .redirectErrorStream(true)
          .redirectOutput(dir.resolve("output.log").toFile())
          .start();
      Nginx nginx = new Nginx(process, dir, port);
      nginx.awaitListening();
      return nginx;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code text} with each key replaced by its value; every key must stand in it exactly once. */
  static String substitute(String text, Map<String, String> replacements) {
    for (Map.Entry<String, String> replacement : replacements.entrySet()) {
      String[] parts = text.split(Pattern.quote(replacement.getKey()), -1);
      if (parts.length != 2) {
        throw new IllegalStateException(COMMITTED_CONFIG + " should hold '" + replacement.getKey() + "' once, for the test "
            + "to replace; it holds it " + (parts.length - 1) + " times");
      }
      text = parts[0] + replacement.getValue() + parts[1];
    }
    return text;
  }

  private void awaitListening() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        String why = diagnostics();
        close();
        throw new IllegalStateException("nginx stopped at start: " + why);
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        sleep(50);
      }
    }
    String why = diagnostics();
    close();
    throw new IllegalStateException("nginx did not listen within 15 s: " + why);
  }

  /** The base URL clients use, e.g. {@code http://127.0.0.1:41234}. */
  public String url() {
    return "http://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /**
   * The requests nginx has logged so far. nginx logs a request once it ends: a WebSocket once it
   * closes.
   */
  public List<Logged> accessLog() {
    Path log = dir.resolve("access.log");
    List<Logged> logged = new ArrayList<>();
    try {
      if (Files.exists(log)) {
        for (String line : Files.readAllLines(log)) {
          Matcher matcher = LOG_LINE.matcher(line);
          if (matcher.find()) {
            logged.add(new Logged(matcher.group(1), matcher.group(2), Integer.parseInt(matcher.group(3)), matcher.group(4)));
          }
        }
      }
      return logged;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** nginx's own output and error log, for a failure's message. */
  public String diagnostics() {
    StringBuilder text = new StringBuilder();
    for (String name : List.of("output.log", "error.log")) {
      try {
        Path file = dir.resolve(name);
        if (Files.exists(file)) {
          text.append(name).append(": ").append(Files.readString(file).strip()).append('\n');
        }
      } catch (IOException e) {
        text.append(name).append(" unreadable: ").append(e.getMessage()).append('\n');
      }
    }
    return text.toString();
  }

  /** Stops nginx (SIGTERM, its fast shutdown), its workers with it, and removes its directory. */
  @Override
  public void close() {
    List<ProcessHandle> workers = process.descendants().toList();
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    workers.forEach(ProcessHandle::destroyForcibly);
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      // a temporary directory left behind is harmless
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for nginx", e);
    }
  }
}
