package shoal.peer.demo;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import shoal.peer.Main;
import shoal.peer.PeerConfig;
import shoal.peer.PeerNode;

/**
 * {@code shoal demo}: a tracker (child process, embedded PostgreSQL) and three in-process peers
 * sharing sample files under {@code ./data/demo}; Ctrl-C makes the peers leave, then stops the tracker.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Starts a tracker and three peers sharing generated sample files under --data-dir, one file held by two peers.",
      "Prints the dashboard URL and each peer's control URL; Ctrl-C stops everything.",
      "Every option can also be set as the environment variable SHOAL_<OPTION>."
    },
    sortOptions = false)
public final class DemoCommand implements Callable<Integer> {

  @Option(names = "--data-dir", defaultValue = "${env:SHOAL_DATA_DIR:-./data/demo}",
      description = "Where the tracker's database and the peers' folders live (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--tracker-jar", defaultValue = "${sys:shoal.tracker.jar}",
      description = "The tracker's fat jar (default: the one the ./shoal launcher passes).")
  Path trackerJar;

  @Override
  public Integer call() throws Exception {
    if (trackerJar == null || !trackerJar.toFile().isFile()) {
      System.err.println("shoal demo: the tracker jar is missing; run it as ./shoal demo, or pass --tracker-jar.");
      return 1;
    }
    List<Path> shares = List.of(dataDir.resolve("peer-1"), dataDir.resolve("peer-2"), dataDir.resolve("peer-3"));
    SampleFiles.create(shares.get(0), shares.get(1), shares.get(2));
    System.err.println("starting the tracker (the first run sets up its PostgreSQL, which takes a moment)...");
    TrackerProcess tracker = TrackerProcess.start(trackerJar, dataDir.resolve("tracker"), 180);
    List<PeerNode> peers = new ArrayList<>();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(peers, tracker), "shoal-demo-stop"));
    for (int i = 0; i < shares.size(); i++) {
      peers.add(PeerNode.start(PeerConfig.of(tracker.url(), shares.get(i), "peer-" + (i + 1))));
    }
    Main.keepRunning();
    System.out.println("dashboard " + tracker.url() + "/");
    for (PeerNode peer : peers) {
      System.out.println(peer.config().name() + " files " + peer.filesUrl() + "  control " + peer.controlUrl());
    }
    System.out.println("Press Ctrl-C to stop the demo.");
    System.out.flush();
    return 0;
  }

  private static void stop(List<PeerNode> peers, TrackerProcess tracker) {
    peers.parallelStream().forEach(PeerNode::close);
    try {
      tracker.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
