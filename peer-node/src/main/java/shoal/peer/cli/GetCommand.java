package shoal.peer.cli;

import io.vertx.core.Future;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import shoal.common.cli.DurationConverter;
import shoal.common.http.ApiError;
import shoal.peer.PeerConfig;
import shoal.peer.PeerNode;
import shoal.peer.fetch.DownloadStatus;
import shoal.peer.fetch.Downloads;
import shoal.peer.fetch.WantedFile;
import shoal.peer.tracker.TrackerClient;

/**
 * {@code shoal get}: downloads one file as a short-lived peer that shares nothing, then leaves.
 * Exit 0 once the file is verified, 2 at once when no peer has it, 1 when the download failed.
 * With {@code --wait} a file no peer has is waited for (see {@code HolderWatch}) until a holder
 * appears, or until {@code --timeout} passes: exit 2 then.
 */
@Command(
    name = "get",
    mixinStandardHelpOptions = true,
    description = {
      "Downloads one file by its SHA-256 or its name, verifies it and saves it into --out.",
      "With --wait, a file no peer has yet is downloaded as soon as one shares it.",
      "Exit status: 0 once verified, 2 when no peer has it (with --wait: none shared it within --timeout), with the "
          + "tracker's message, 1 when it failed.",
      "Every option can also be set as the environment variable SHOAL_<OPTION>, e.g. SHOAL_TRACKER."
    },
    sortOptions = false)
public final class GetCommand implements Callable<Integer> {

  private static final long STEP_SECONDS = 30;
  private static final int NOT_AVAILABLE = 2;
  private static final String WAITING = "waiting";

  /** Whether the progress bar redraws in place or prints plain lines. */
  private final Terminal terminal;

  @Spec
  CommandSpec spec;

  @Option(names = "--tracker", required = true, defaultValue = "${env:SHOAL_TRACKER}",
      description = "The tracker's URL, e.g. http://127.0.0.1:8080.")
  String tracker;

  @Parameters(index = "0", paramLabel = "SHA256_OR_NAME", description = "The file's SHA-256, or its exact name.")
  String wanted;

  @Option(names = "--out", defaultValue = "${env:SHOAL_OUT:-.}", description = "Where to save it (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--join-key", defaultValue = "${env:SHOAL_JOIN_KEY}",
      description = "The tracker's join key, when it was started with one (or SHOAL_JOIN_KEY, which other users of "
          + "the machine cannot read).")
  String joinKey;

  @Option(names = "--wait", defaultValue = "${env:SHOAL_WAIT:-false}",
      description = "When no peer has the file, wait until one shares it, then download it.")
  boolean waitForHolder;

  @Option(names = "--timeout", defaultValue = "${env:SHOAL_TIMEOUT}", converter = DurationConverter.class,
      description = "With --wait: give up (exit 2) when no peer has shared the file within this long, e.g. 10m. "
          + "Without it, wait until stopped.")
  Duration timeout;

  @Mixin
  DownloadOptions download;

  /** As the command line runs it: the bar follows whether this process's output is a terminal. */
  public GetCommand() {
    this(Terminal.SYSTEM);
  }

  /** With {@code terminal} deciding how progress is shown: tests run it as on a terminal and as on a pipe. */
  public GetCommand(Terminal terminal) {
    this.terminal = terminal;
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter stderr = spec.commandLine().getErr();
    PeerConfig config;
    try {
      config = config();
    } catch (IllegalArgumentException e) {
      stderr.println("shoal get: " + e.getMessage());
      stderr.flush();
      return 2;
    }
    PeerNode node;
    try {
      node = PeerNode.startDownloadOnly(config);
    } catch (RuntimeException e) {
      stderr.println("shoal get: could not start: " + e.getMessage());
      stderr.flush();
      return 1;
    }
    // Ctrl-C, the way out of a wait without --timeout, still leaves the tracker.
    Thread leaveOnCtrlC = new Thread(node::close, "shoal-get-shutdown");
    Runtime.getRuntime().addShutdownHook(leaveOnCtrlC);
    try {
      if (!node.registered()) {
        // The tracker's own sentence when it answered (a missing or wrong join key, a rate limit), else unreachable.
        stderr.println("shoal get: " + (node.registrationRefusal() instanceof ApiError refused
            && !"tracker_unreachable".equals(refused.code())
            ? refused.getMessage() : "the tracker at " + tracker + " cannot be reached."));
        return 1;
      }
      DownloadStatus end = follow(node.downloads(), stdout);
      if (end == null) {
        stderr.println("shoal get: " + TrackerClient.NOT_AVAILABLE);
        return NOT_AVAILABLE;
      }
      if (!end.done()) {
        stderr.println("shoal get: " + end.error());
        return 1;
      }
      stdout.println("saved " + end.savedAs() + " (" + end.size() + " bytes, SHA-256 verified)");
      return 0;
    } catch (ApiError e) {
      stderr.println("shoal get: " + e.getMessage());
      return "not_available".equals(e.code()) ? NOT_AVAILABLE : 1;
    } finally {
      // Leaves the tracker, so that its records of this short-lived peer are deleted at once.
      node.close();
      try {
        Runtime.getRuntime().removeShutdownHook(leaveOnCtrlC);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running or has run: the node is closed either way
      }
      stdout.flush();
      stderr.flush();
    }
  }

  /** The options as one config; throws IllegalArgumentException with a sentence when one is off. */
  PeerConfig config() {
    if (timeout != null && !waitForHolder) {
      throw new IllegalArgumentException("--timeout is how long --wait waits: give --wait too");
    }
    if (timeout != null && timeout.isZero()) {
      throw new IllegalArgumentException("--timeout must be longer than 0");
    }
    return PeerConfig.downloadOnly(tracker, out).withJoinKey(joinKey)
        .withSources(download.sources()).withPatience(download.patience());
  }

  /**
   * Starts the download and draws its progress until it ends, however it ends; answers how it
   * ended, or null when --timeout passed while it was still waiting for a holder.
   */
  private DownloadStatus follow(Downloads downloads, PrintWriter stdout) throws Exception {
    DownloadStatus started = downloads.start(WantedFile.parse(wanted), waitForHolder).await(STEP_SECONDS, TimeUnit.SECONDS);
    Future<DownloadStatus> finished = downloads.whenFinished(started.downloadId());
    DownloadStatus now = started;
    if (WAITING.equals(started.state())) {
      stdout.println("No peer has " + wanted + " yet: waiting for one to share it" + (timeout == null ? " (Ctrl-C stops)." : "."));
      stdout.flush();
      now = untilAHolderAppears(downloads, started, finished);
      if (now == null) {
        return null;
      }
    }
    ProgressBar bar = new ProgressBar(stdout, terminal.isTerminal());
    while (!finished.isComplete()) {
      bar.update(now.bytes(), now.size());
      try {
        finished.await(250, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        now = downloads.find(started.downloadId()).await(STEP_SECONDS, TimeUnit.SECONDS).orElse(now);
      }
    }
    DownloadStatus end = finished.result();
    bar.update(end.bytes(), end.size());
    bar.finish();
    return end;
  }

  /**
   * Watches a waiting download until it leaves {@code waiting}; answers it then, or null once
   * --timeout has passed, after cancelling it.
   */
  private DownloadStatus untilAHolderAppears(Downloads downloads, DownloadStatus waiting, Future<DownloadStatus> finished)
      throws Exception {
    long started = System.nanoTime();
    DownloadStatus now = waiting;
    while (WAITING.equals(now.state()) && !finished.isComplete()) {
      long left = timeout == null ? Long.MAX_VALUE : timeout.toNanos() - (System.nanoTime() - started);
      if (left <= 0) {
        if (downloads.cancelIfWaiting(waiting.downloadId()).await(STEP_SECONDS, TimeUnit.SECONDS)) {
          finished.await(STEP_SECONDS, TimeUnit.SECONDS);
          return null;
        }
        // A holder appeared at the last moment: the download under way is not given up.
        break;
      }
      try {
        finished.await(Math.max(1, Math.min(250, TimeUnit.NANOSECONDS.toMillis(left))), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        now = downloads.find(waiting.downloadId()).await(STEP_SECONDS, TimeUnit.SECONDS).orElse(now);
      }
    }
    return finished.isComplete() ? finished.result()
        : downloads.find(waiting.downloadId()).await(STEP_SECONDS, TimeUnit.SECONDS).orElse(now);
  }
}
