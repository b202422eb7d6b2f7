package shoal.tracker;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import shoal.common.cli.DurationConverter;
import shoal.tracker.access.AccessSettings;
import shoal.tracker.access.RateLimit;
import shoal.tracker.db.DatabaseTimeouts;
import shoal.tracker.db.DatabaseUrl;

/** {@code shoal tracker}: runs the tracker until SIGTERM or Ctrl-C. */
@Command(
    name = "shoal tracker",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the Shoal tracker: the registry of peers, the files they hold and the transfers between them.",
      "Without --db-url it runs an embedded PostgreSQL whose data lives in <data-dir>/pg.",
      "Every option can also be set as the environment variable SHOAL_<OPTION>, e.g. SHOAL_DB_URL."
    },
    sortOptions = false)
public final class Main implements Callable<Integer> {

  @Option(names = "--host", defaultValue = "${env:SHOAL_HOST:-0.0.0.0}",
      description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--port", defaultValue = "${env:SHOAL_PORT:-8080}",
      description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--db-url", defaultValue = "${env:SHOAL_DB_URL}",
      description = "PostgreSQL to use, as postgresql://user:pass@host:port/db (default: embedded).")
  String dbUrl;

  @Option(names = "--data-dir", defaultValue = "${env:SHOAL_DATA_DIR:-./data/tracker}",
      description = "Where the embedded PostgreSQL keeps its data (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--heartbeat", defaultValue = "${env:SHOAL_HEARTBEAT:-10s}", converter = DurationConverter.class,
      description = "How often peers are asked to heartbeat (default: ${DEFAULT-VALUE}).")
  Duration heartbeat;

  @Option(names = "--peer-ttl", defaultValue = "${env:SHOAL_PEER_TTL:-30s}", converter = DurationConverter.class,
      description = "A peer silent this long is removed with everything it holds (default: ${DEFAULT-VALUE}).")
  Duration peerTtl;

  @Option(names = "--idle-timeout", defaultValue = "${env:SHOAL_IDLE_TIMEOUT:-30s}", converter = DurationConverter.class,
      description = "A connection on which nothing moves this long is closed, and a request whose head or body "
          + "takes longer to arrive is cut off (default: ${DEFAULT-VALUE}).")
  Duration idleTimeout;

  @Option(names = "--transfer-retention", defaultValue = "${env:SHOAL_TRANSFER_RETENTION:-168h}",
      converter = DurationConverter.class,
      description = "Finished transfers are listed this long (168h is a week), then pruned; the totals they count towards stay "
          + "(default: ${DEFAULT-VALUE}).")
  Duration transferRetention;

  @Option(names = "--join-key", defaultValue = "${env:SHOAL_JOIN_KEY}",
      description = "Only peers started with this key may register (default: none, anyone who reaches the tracker "
          + "may). Prefer SHOAL_JOIN_KEY: other users of the machine can read command lines.")
  String joinKey;

  @Option(names = "--allowed-origin", split = ",", defaultValue = "${env:SHOAL_ALLOWED_ORIGIN}",
      paramLabel = "URL",
      description = "A web origin, such as https://ops.example.org, whose pages may call the tracker besides its own "
          + "dashboard; repeat it, or give several separated by commas (default: none).")
  List<String> allowedOrigins;

  @Option(names = "--registration-limit", paramLabel = "N",
      defaultValue = "${env:SHOAL_REGISTRATION_LIMIT:-60}",
      description = "Registrations one client address may make per minute; 0 for no limit (default: ${DEFAULT-VALUE}).")
  int registrationLimit;

  @Option(names = "--transfer-limit", paramLabel = "N",
      defaultValue = "${env:SHOAL_TRANSFER_LIMIT:-600}",
      description = "Transfers one client address may start per minute; 0 for no limit (default: ${DEFAULT-VALUE}).")
  int transferLimit;

  @Spec
  CommandSpec spec;

  private Tracker started;
  private Thread shutdownHook;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    TrackerConfig config;
    try {
      if (dbUrl != null && !dbUrl.isBlank()) {
        DatabaseUrl.parse(dbUrl);
      }
      config = new TrackerConfig(host, port, dbUrl, dataDir, heartbeat, peerTtl, idleTimeout,
          TrackerConfig.DEFAULT_MAX_CONNECTIONS, transferRetention, DatabaseTimeouts.DEFAULTS,
          new AccessSettings(joinKey, allowedOrigins == null ? List.of() : allowedOrigins,
              RateLimit.perMinute(limit("--registration-limit", registrationLimit)),
              RateLimit.perMinute(limit("--transfer-limit", transferLimit))));
    } catch (IllegalArgumentException e) {
      err.println("shoal tracker: " + e.getMessage());
      return 2;
    }
    Tracker tracker;
    try {
      tracker = Tracker.start(config);
    } catch (RuntimeException e) {
      err.println("shoal tracker: could not start: " + rootMessage(e));
      return 1;
    }
    started = tracker;
    shutdownHook = new Thread(tracker::close, "shoal-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    openTrackerNotice(config).ifPresent(err::println);
    err.flush();
    out.println("listening on http://" + host + ":" + tracker.port());
    out.flush();
    return 0;
  }

  /**
   * The one line a tracker without a join key prints when it listens beyond loopback: anyone who
   * reaches it may register peers, which is fine on a trusted network and worth knowing on any other.
   */
  static Optional<String> openTrackerNotice(TrackerConfig config) {
    if (!config.access().open() || isLoopback(config.host())) {
      return Optional.empty();
    }
    return Optional.of("open tracker: anyone who reaches " + config.host() + " may register peers; "
        + "set --join-key (or SHOAL_JOIN_KEY) to admit only peers started with the same key");
  }

  private static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static int limit(String option, int perMinute) {
    if (perMinute < 0) {
      throw new IllegalArgumentException(option + " must be 0 (no limit) or more, not " + perMinute);
    }
    return perMinute;
  }

  /** Stops a tracker this command started, as Ctrl-C would; for tests that run the command in their JVM. */
  void stop() {
    if (started != null) {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
      started.close();
      started = null;
    }
  }

  public static void main(String[] args) {
    CommandLine commandLine = new CommandLine(new Main());
    int exitCode = commandLine.execute(args);
    // On success the server's threads keep the JVM alive until SIGTERM; only failures exit here.
    if (exitCode != 0) {
      System.exit(exitCode);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + root.getMessage() + ")";
  }
}
