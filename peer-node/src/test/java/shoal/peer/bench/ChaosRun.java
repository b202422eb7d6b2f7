package shoal.peer.bench;

import io.vertx.core.json.JsonObject;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import shoal.peer.bench.ChaosNetwork.Peer;
import shoal.peer.share.Sha256;

/**
 * The fault run behind {@code bench/chaos.sh}: six peer nodes, a tracker and its PostgreSQL, each
 * in a process of its own on 127.0.0.1, and forty downloads between the peers while faults are
 * injected — {@code kill -9} and {@code SIGSTOP} of random peers, a holder that serves wrong bytes
 * throughout, {@code kill -9} of the tracker and a restart, PostgreSQL stopped and started. When
 * the faults stop and the downloads have ended, {@link ChaosChecks} proves that nothing was lost
 * and prints the figures.
 *
 * <p>Usage: {@code ChaosRun --tracker-jar J --peer-jar J --work DIR --out FILE [--seed N] [--note TEXT]}.
 * Exit status 0 when every check holds, 1 otherwise.
 */
public final class ChaosRun {

  static final int PEERS = 6;
  static final int FILES = 10;
  static final int DOWNLOADS = 40;
  private static final Duration FAULTS_FOR = Duration.ofSeconds(75);
  private static final Duration DEADLINE = Duration.ofMinutes(6);

  /** The faults injected, for the report. */
  enum Fault {
    PEER_KILLED("kill -9 of a peer (started again 2 s later)"),
    PEER_PAUSED("SIGSTOP of a peer for 10 s, longer than its TTL"),
    TRACKER_KILLED("kill -9 of the tracker (started again 2 s later)"),
    POSTGRES_STOPPED("PostgreSQL stopped for 6 s"),
    LYING_HOLDER("a holder serving wrong bytes for 3 files, all along");

    final String description;

    Fault(String description) {
      this.description = description;
    }
  }

  /** A file of the run: its name, content hash and size. */
  record SampleFile(String name, String sha256, long size) {}

  /** A download the run asks a peer for, asked again if its peer is killed. */
  static final class Wanted {
    final Peer peer;
    final SampleFile file;
    volatile String downloadId;
    volatile String state = "not asked";
    volatile String error;
    volatile int asked;

    Wanted(Peer peer, SampleFile file) {
      this.peer = peer;
      this.file = file;
    }

    boolean ended() {
      return "done".equals(state) || "failed".equals(state) || "cancelled".equals(state);
    }
  }

  /** A period in which the tracker or its database was down on purpose. */
  record Outage(Fault fault, long fromMillis, long toMillis) {}

  final ChaosNetwork network;
  final Random random;
  final Map<String, SampleFile> files = new LinkedHashMap<>();
  final List<Wanted> wanted = new ArrayList<>();
  final Map<Fault, Integer> faults = new EnumMap<>(Fault.class);
  final List<Outage> outages = new CopyOnWriteArrayList<>();
  final long startMillis = System.currentTimeMillis();
  private final TrackerWatch watch;
  private LyingHolder liar;

  private ChaosRun(ChaosNetwork network, long seed) {
    this.network = network;
    this.random = new Random(seed);
    this.watch = new TrackerWatch(network);
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      options.put(args[i], args[i + 1]);
    }
    Path work = Path.of(options.get("--work"));
    long seed = Long.parseLong(options.getOrDefault("--seed", "7"));
    int status;
    try (ChaosNetwork network = new ChaosNetwork(work, Path.of(options.get("--tracker-jar")), Path.of(options.get("--peer-jar")))) {
      ChaosRun run = new ChaosRun(network, seed);
      try {
        run.setUp(work);
        run.inject();
        run.awaitDownloads();
        ChaosChecks checks = new ChaosChecks(run, run.watch);
        String report = checks.report(options.getOrDefault("--note", ""), seed);
        System.out.println(report);
        Files.writeString(Path.of(options.get("--out")), report);
        status = checks.passed() ? 0 : 1;
      } finally {
        run.watch.close();
        if (run.liar != null) {
          run.liar.close();
        }
      }
    }
    System.exit(status);
  }

  private void setUp(Path work) throws Exception {
    log("starting PostgreSQL and the tracker");
    network.startPostgres();
    network.startTracker();
    for (int i = 1; i <= PEERS; i++) {
      network.addPeer(i);
    }
    Path originals = Files.createDirectories(work.resolve("originals"));
    for (int i = 1; i <= FILES; i++) {
      String name = String.format("artefact-%02d.bin", i);
      long size = (1L + random.nextInt(12)) << 20;
      Path file = originals.resolve(name);
      writeRandom(file, size, random.nextLong());
      SampleFile sample = new SampleFile(name, Sha256.ofFile(file), size);
      files.put(sample.sha256(), sample);
      // Two holders each, so that one fault at a time never leaves a file without any.
      List<Peer> holders = new ArrayList<>(network.peers());
      Collections.shuffle(holders, random);
      for (Peer holder : holders.subList(0, 2)) {
        Files.copy(file, holder.share.resolve(name));
      }
    }
    for (Peer peer : network.peers()) {
      network.startPeer(peer);
    }
    liar = new LyingHolder(network, new ArrayList<>(files.values()).subList(0, 3));
    faults.put(Fault.LYING_HOLDER, 1);
    List<Wanted> candidates = new ArrayList<>();
    for (Peer peer : network.peers()) {
      for (SampleFile file : files.values()) {
        if (!Files.exists(peer.share.resolve(file.name()))) {
          candidates.add(new Wanted(peer, file));
        }
      }
    }
    Collections.shuffle(candidates, random);
    wanted.addAll(candidates.subList(0, Math.min(DOWNLOADS, candidates.size())));
    watch.start();
    log("network up: " + PEERS + " peers, " + FILES + " files, " + wanted.size() + " downloads to make");
  }

  /** Asks for the downloads one a second while a fault is injected every 6 to 9 seconds. */
  private void inject() throws Exception {
    Thread asking = new Thread(this::askForAll, "chaos-asking");
    asking.setDaemon(true);
    asking.start();
    long until = System.nanoTime() + FAULTS_FOR.toNanos();
    Fault[] rotation = {Fault.PEER_KILLED, Fault.PEER_PAUSED, Fault.TRACKER_KILLED, Fault.PEER_KILLED,
        Fault.POSTGRES_STOPPED, Fault.PEER_PAUSED};
    for (int i = 0; System.nanoTime() < until; i++) {
      Thread.sleep(6_000 + random.nextInt(3_000));
      inject(rotation[i % rotation.length]);
    }
    asking.join(TimeUnit.SECONDS.toMillis(120));
  }

  private void inject(Fault fault) throws Exception {
    faults.merge(fault, 1, Integer::sum);
    long from = System.currentTimeMillis();
    switch (fault) {
      case PEER_KILLED -> {
        Peer peer = anyReachablePeer();
        log("kill -9 " + peer.name());
        peer.jvm.kill9();
        Thread.sleep(2_000);
        network.startPeer(peer);
        askAgainAfterKill(peer);
      }
      case PEER_PAUSED -> {
        Peer peer = anyReachablePeer();
        log("SIGSTOP " + peer.name());
        peer.paused = true;
        peer.jvm.pause();
        Thread.sleep(10_000);
        peer.jvm.resume();
        peer.paused = false;
        log("SIGCONT " + peer.name());
      }
      case TRACKER_KILLED -> {
        log("kill -9 the tracker");
        network.killTracker();
        Thread.sleep(2_000);
        network.startTracker();
        outages.add(new Outage(fault, from, System.currentTimeMillis()));
        log("tracker back");
      }
      case POSTGRES_STOPPED -> {
        log("stop PostgreSQL");
        network.stopPostgres();
        Thread.sleep(6_000);
        network.startPostgres();
        outages.add(new Outage(fault, from, System.currentTimeMillis()));
        log("PostgreSQL back");
      }
      case LYING_HOLDER -> throw new IllegalArgumentException("the lying holder runs all along");
    }
  }

  private Peer anyReachablePeer() {
    List<Peer> reachable = network.peers().stream().filter(Peer::reachable).toList();
    return reachable.get(random.nextInt(reachable.size()));
  }

  /** Asks each peer for its downloads, one a second; a file nobody can give right now is asked for again later. */
  private void askForAll() {
    long deadline = System.nanoTime() + DEADLINE.toNanos() / 2;
    List<Wanted> pending = new ArrayList<>(wanted);
    while (!pending.isEmpty() && System.nanoTime() < deadline) {
      Wanted next = pending.remove(0);
      if (!ask(next)) {
        pending.add(next);
      }
      sleep(1_000);
    }
  }

  /** Asks the download's peer for it; false when the peer or the tracker could not take it now. */
  private synchronized boolean ask(Wanted download) {
    if (!download.peer.reachable()) {
      return false;
    }
    ChaosNetwork.Reply reply = network.post(download.peer.controlUrl + "/api/v1/downloads", download.peer.token,
        new JsonObject().put("sha256", download.file.sha256()));
    if (reply.status() != 202) {
      return false;
    }
    download.downloadId = reply.json().getString("downloadId");
    download.state = "queued";
    download.asked++;
    return true;
  }

  /** A killed peer forgets its downloads: what it had not finished is asked for again on the new process. */
  private void askAgainAfterKill(Peer peer) {
    for (Wanted download : wanted) {
      if (download.peer == peer && download.downloadId != null && !"done".equals(download.state)) {
        download.state = "asked again after kill -9";
        download.downloadId = null;
        Thread retry = new Thread(() -> {
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
          while (!ask(download) && System.nanoTime() < deadline) {
            sleep(1_000);
          }
        }, "chaos-ask-again");
        retry.setDaemon(true);
        retry.start();
      }
    }
  }

  /** Polls every download until each has ended, or the deadline passes. */
  private void awaitDownloads() {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    log("faults over; waiting for the downloads to end");
    while (System.nanoTime() < deadline) {
      boolean allEnded = true;
      for (Wanted download : wanted) {
        if (!download.ended()) {
          refresh(download);
          allEnded &= download.ended();
        }
      }
      if (allEnded) {
        break;
      }
      sleep(500);
    }
    // The last file lists reach the tracker within a rescan and a round trip.
    sleep(5_000);
  }

  private void refresh(Wanted download) {
    String id = download.downloadId;
    if (id == null || !download.peer.reachable()) {
      return;
    }
    ChaosNetwork.Reply reply = network.get(download.peer.controlUrl + "/api/v1/downloads/" + id, download.peer.token);
    if (reply.status() == 200 && id.equals(download.downloadId)) {
      JsonObject json = reply.json();
      download.state = json.getString("state");
      download.error = json.getString("error");
    }
  }

  static void log(String message) {
    System.err.printf("chaos %tT %s%n", System.currentTimeMillis(), message);
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void writeRandom(Path file, long size, long seed) throws Exception {
    Random content = new Random(seed);
    byte[] chunk = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long left = size; left > 0; left -= chunk.length) {
        content.nextBytes(chunk);
        out.write(chunk, 0, (int) Math.min(chunk.length, left));
      }
    }
  }
}
