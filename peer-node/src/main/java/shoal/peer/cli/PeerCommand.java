package shoal.peer.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import shoal.common.cli.DurationConverter;
import shoal.common.http.ApiError;
import shoal.peer.Main;
import shoal.peer.PeerConfig;
import shoal.peer.PeerNode;
import shoal.peer.tracker.TrackerRoute;

/** {@code shoal peer}: shares a folder until SIGTERM, Ctrl-C or {@code POST /api/v1/leave}; leaves the tracker first. */
@Command(
    name = "peer",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a peer node: shares every regular file under --share, serves them to other peers, downloads into it.",
      "Every option can also be set as the environment variable SHOAL_<OPTION>, e.g. SHOAL_TRACKER."
    },
    sortOptions = false)
public final class PeerCommand implements Callable<Integer> {

  @Option(names = "--tracker", required = true, defaultValue = "${env:SHOAL_TRACKER}",
      description = "The tracker's URL, e.g. http://127.0.0.1:8080.")
  String tracker;

  @Option(names = "--share", required = true, defaultValue = "${env:SHOAL_SHARE}",
      description = "The folder to share; downloads are saved into it.")
  Path share;

  @Option(names = "--name", defaultValue = "${env:SHOAL_NAME}",
      description = "How other peers see this one (default: the share folder's name).")
  String name;

  @Option(names = "--host", defaultValue = "${env:SHOAL_HOST}",
      description = "Address the files port listens on (default: the local address this machine reaches the tracker "
          + "from, so that other machines reach this peer; 127.0.0.1 when the tracker is on loopback).")
  String host;

  @Option(names = "--port", defaultValue = "${env:SHOAL_PORT:-7001}",
      description = "The files port other peers download from; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--advertise", defaultValue = "${env:SHOAL_ADVERTISE}",
      description = "The files URL given to other peers, when they reach this one by another address, such as NAT "
          + "(default: http://HOST:PORT; with --host 0.0.0.0, the address this machine reaches the tracker from).")
  String advertise;

  @Option(names = "--control-port", defaultValue = "${env:SHOAL_CONTROL_PORT:-7002}",
      description = "The control port, on 127.0.0.1 only; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int controlPort;

  @Option(names = "--control-token", defaultValue = "${env:SHOAL_CONTROL_TOKEN}",
      description = "The control port's token (default: a random one, printed in the control URL).")
  String controlToken;

  @Option(names = "--upload-limit", defaultValue = "${env:SHOAL_UPLOAD_LIMIT:-0}", converter = RateConverter.class,
      description = "Total upload rate in bytes per second, like 500K or 10M; 0 for none (default: ${DEFAULT-VALUE}).")
  long uploadLimit;

  @Option(names = "--max-uploads", defaultValue = "${env:SHOAL_MAX_UPLOADS:-8}",
      description = "Uploads served at once; more are told to retry (default: ${DEFAULT-VALUE}).")
  int maxUploads;

  @Mixin
  DownloadOptions download;

  @Option(names = "--idle-timeout", defaultValue = "${env:SHOAL_IDLE_TIMEOUT:-30s}", converter = DurationConverter.class,
      description = "A connection to the files or control port moving no byte this long is closed, and so is a request "
          + "whose head or body takes longer (default: ${DEFAULT-VALUE}).")
  Duration idleTimeout;

  @Option(names = "--join-key", defaultValue = "${env:SHOAL_JOIN_KEY}",
      description = "The tracker's join key, when it was started with one. Prefer SHOAL_JOIN_KEY: other users of "
          + "the machine can read command lines.")
  String joinKey;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter stderr = spec.commandLine().getErr();
    PeerConfig config;
    try {
      config = config();
    } catch (IllegalArgumentException e) {
      stderr.println("shoal peer: " + e.getMessage());
      stderr.flush();
      return 2;
    }
    PeerNode node;
    try {
      node = PeerNode.start(config);
    } catch (RuntimeException e) {
      stderr.println("shoal peer: could not start: " + e.getMessage());
      stderr.flush();
      return 1;
    }
    if (refusedForGood(node)) {
      stderr.println("shoal peer: the tracker refused this peer: " + node.registrationRefusal().getMessage());
      stderr.flush();
      node.close();
      return 1;
    }
    Main.keepRunning();
    Runtime.getRuntime().addShutdownHook(new Thread(node::close, "shoal-shutdown"));
    // POST /api/v1/leave stops the node; the process then ends (on a fresh thread, not the one stopping).
    node.stopped().onComplete(done -> new Thread(() -> System.exit(0), "shoal-exit").start());
    System.out.println("listening on " + node.filesUrl());
    System.out.println("listening on http://127.0.0.1:" + node.controlPort());
    System.out.println("control " + node.controlUrl());
    System.out.flush();
    return 0;
  }

  /**
   * Whether the tracker answered the first registration 400: it refuses what this peer sends (such
   * as a loopback address from another machine), and retrying would be refused the same way. An
   * unreachable tracker, a missing join key or a rate limit may pass, so the peer keeps trying then.
   */
  private static boolean refusedForGood(PeerNode node) {
    return !node.registered() && node.registrationRefusal() instanceof ApiError refusal && refusal.status() == 400;
  }

  /** The options as one config; throws IllegalArgumentException with a sentence when one is off. */
  PeerConfig config() {
    String peerName = name != null && !name.isBlank() ? name
        : share.toAbsolutePath().normalize().getFileName() == null ? "peer" : share.toAbsolutePath().normalize().getFileName().toString();
    String listenHost = host != null && !host.isBlank() ? host : TrackerRoute.defaultHost(tracker);
    return new PeerConfig(tracker, share, peerName, listenHost, port, advertise, controlPort, controlToken, uploadLimit,
        maxUploads, download.patience(), idleTimeout, PeerConfig.DEFAULT_RESCAN_INTERVAL)
        .withSources(download.sources()).withJoinKey(joinKey);
  }
}
