package shoal.peer.cli;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import shoal.common.http.ApiError;
import shoal.peer.PeerConfig;
import shoal.peer.PeerNode;
import shoal.peer.fetch.DownloadStatus;
import shoal.peer.fetch.Downloads;
import shoal.peer.share.Sha256;
import shoal.peer.tracker.TrackerClient;

/**
 * {@code shoal get}: downloads one file as a short-lived peer that shares nothing, then leaves.
 * Exit 0 once the file is verified, 2 at once when no peer has it, 1 when the download failed.
 */
@Command(
    name = "get",
    mixinStandardHelpOptions = true,
    description = {
      "Downloads one file by its SHA-256 or its name, verifies it and saves it into --out.",
      "Exit status: 0 once verified, 2 when no peer has it (with the tracker's message), 1 when it failed.",
      "Every option can also be set as the environment variable SHOAL_<OPTION>, e.g. SHOAL_TRACKER."
    },
    sortOptions = false)
public final class GetCommand implements Callable<Integer> {

  private static final long STEP_SECONDS = 30;
  private static final int NOT_AVAILABLE = 2;

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
    try {
      if (!node.registered()) {
        // The tracker's own sentence when it answered (a missing or wrong join key, a rate limit), else unreachable.
        stderr.println("shoal get: " + (node.registrationRefusal() instanceof ApiError refused
            && !"tracker_unreachable".equals(refused.code())
            ? refused.getMessage() : "the tracker at " + tracker + " cannot be reached."));
        return 1;
      }
      String sha256 = Sha256.isValid(wanted) ? wanted : findByName(node.tracker());
      DownloadStatus end = follow(node.downloads(), sha256, stdout);
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
      stdout.flush();
      stderr.flush();
    }
  }

  /** The options as one config; throws IllegalArgumentException with a sentence when one is off. */
  PeerConfig config() {
    return PeerConfig.downloadOnly(tracker, out).withJoinKey(joinKey)
        .withSources(download.sources()).withPatience(download.patience());
  }

  /** Starts the download and draws its progress until it ends, however it ends; answers how it ended. */
  private DownloadStatus follow(Downloads downloads, String sha256, PrintWriter stdout) throws Exception {
    DownloadStatus started = downloads.start(sha256).await(STEP_SECONDS, TimeUnit.SECONDS);
    ProgressBar bar = new ProgressBar(stdout, terminal.isTerminal());
    Future<DownloadStatus> finished = downloads.whenFinished(started.downloadId());
    DownloadStatus now = started;
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

  /** The hash of the file called exactly {@code wanted}; not_available when none is, an error when several differ. */
  private String findByName(TrackerClient client) throws Exception {
    JsonArray found = client.searchFiles(wanted, 1000, 0).await(STEP_SECONDS, TimeUnit.SECONDS);
    List<String> hashes = found.stream()
        .map(JsonObject.class::cast)
        .filter(file -> wanted.equals(file.getString("name")))
        .map(file -> file.getString("sha256"))
        .distinct()
        .toList();
    if (hashes.isEmpty()) {
      throw new ApiError(404, "not_available", "Sorry, the file you requested is not available. Please try again later.");
    }
    if (hashes.size() > 1) {
      throw ApiError.invalidRequest("Several different files are called " + wanted + "; name one by its SHA-256: "
          + String.join(", ", hashes) + ".");
    }
    return hashes.get(0);
  }
}
