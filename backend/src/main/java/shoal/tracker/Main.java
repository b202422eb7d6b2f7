package shoal.tracker;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import shoal.common.cli.DurationConverter;
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

  @Spec
  CommandSpec spec;

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
          TrackerConfig.DEFAULT_MAX_CONNECTIONS, transferRetention, DatabaseTimeouts.DEFAULTS);
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
    Runtime.getRuntime().addShutdownHook(new Thread(tracker::close, "shoal-shutdown"));
    out.println("listening on http://" + host + ":" + tracker.port());
    out.flush();
    return 0;
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
