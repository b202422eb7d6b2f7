package shoal.peer.bench;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import shoal.peer.bench.ChaosNetwork.Peer;
import shoal.peer.bench.ChaosRun.Fault;
import shoal.peer.bench.ChaosRun.SampleFile;
import shoal.peer.bench.ChaosRun.Wanted;
import shoal.peer.share.Sha256;

/**
 * What a fault run must leave behind, checked once the faults have stopped and the downloads
 * have ended:
 * <ul>
 *   <li>every file in every share is a complete copy matching its SHA-256;
 *   <li>the registry's holders match what the live peers really hold;
 *   <li>every download either finished identical or failed with a sentence;
 *   <li>no 5xx was answered except 503 while PostgreSQL was stopped.
 * </ul>
 */
final class ChaosChecks {

  /** A 503 this soon after PostgreSQL is back is still the outage: pools reconnect on their next use. */
  private static final long OUTAGE_TAIL_MILLIS = 15_000;

  private final ChaosRun run;
  private final TrackerWatch watch;
  private final List<String> problems = new ArrayList<>();
  private final Map<Peer, Set<String>> held = new HashMap<>();
  private int filesChecked;
  private long bytesVerified;
  private int finished;
  private int failedWithSentence;
  private int unaccounted;
  private int badFiles;
  private int outage503s;
  private final Map<String, Integer> liarFailures = new HashMap<>();

  ChaosChecks(ChaosRun run, TrackerWatch watch) throws IOException {
    this.run = run;
    this.watch = watch;
    checkShares();
    checkRegistry();
    checkDownloads();
    checkServerErrors();
    countLiarFailures();
  }

  boolean passed() {
    return problems.isEmpty();
  }

  private void checkShares() throws IOException {
    Map<String, SampleFile> byName = run.files.values().stream().collect(Collectors.toMap(SampleFile::name, f -> f));
    for (Peer peer : run.network.peers()) {
      Set<String> hashes = new HashSet<>();
      held.put(peer, hashes);
      try (Stream<Path> walk = Files.walk(peer.share)) {
        for (Path file : walk.filter(Files::isRegularFile).toList()) {
          if (peer.share.relativize(file).startsWith(".shoal")) {
            continue;
          }
          SampleFile expected = byName.get(file.getFileName().toString());
          String actual = Sha256.ofFile(file);
          if (expected == null || !expected.sha256().equals(actual)) {
            problems.add(peer.name() + " shares " + peer.share.relativize(file) + ", which is not a complete, verified copy");
            badFiles++;
            continue;
          }
          hashes.add(actual);
          filesChecked++;
          bytesVerified += expected.size();
        }
      }
    }
  }

  private void checkRegistry() {
    Set<String> livePeerIds = new HashSet<>();
    for (Peer peer : run.network.peers()) {
      Optional<String> peerId = run.network.peerIdOf(peer);
      if (peerId.isEmpty()) {
        problems.add(peer.name() + " is not registered at the end of the run");
        continue;
      }
      livePeerIds.add(peerId.get());
      ChaosNetwork.Reply atTracker = run.network.get(run.network.trackerUrl() + "/api/v1/peers/" + peerId.get(), null);
      Set<String> registered = atTracker.status() != 200 ? Set.of() : atTracker.json().getJsonArray("files").stream()
          .map(file -> ((JsonObject) file).getString("sha256")).collect(Collectors.toSet());
      if (!registered.equals(held.get(peer))) {
        problems.add("the tracker lists " + registered.size() + " files for " + peer.name() + ", which holds "
            + held.get(peer).size());
      }
    }
    Set<String> listed = run.network.get(run.network.trackerUrl() + "/api/v1/peers", null).jsonArray().stream()
        .map(peer -> ((JsonObject) peer).getString("peerId")).collect(Collectors.toSet());
    listed.removeAll(livePeerIds);
    if (listed.size() != 1) {
      problems.add("the tracker lists " + listed.size() + " peers besides the live ones; only the lying holder should be");
    }
  }

  private void checkDownloads() {
    for (Wanted download : run.wanted) {
      boolean verified = held.getOrDefault(download.peer, Set.of()).contains(download.file.sha256());
      if ("done".equals(download.state) && verified) {
        finished++;
      } else if ("failed".equals(download.state) && download.error != null && !download.error.isBlank()) {
        failedWithSentence++;
      } else {
        unaccounted++;
        problems.add(download.peer.name() + "'s download of " + download.file.name() + " ended " + download.state
            + (verified ? "" : " without the file in its share"));
      }
    }
  }

  private void checkServerErrors() {
    for (TrackerWatch.ServerError error : watch.errors()) {
      boolean duringOutage = error.status() == 503 && run.outages.stream().anyMatch(outage ->
          outage.fault() == Fault.POSTGRES_STOPPED
              && error.atMillis() >= outage.fromMillis() && error.atMillis() <= outage.toMillis() + OUTAGE_TAIL_MILLIS);
      if (duringOutage) {
        outage503s++;
      } else {
        problems.add("the tracker answered " + error.status() + " to " + error.path() + " at "
            + (error.atMillis() - run.startMillis) / 1000 + " s, outside a database outage");
      }
    }
  }

  /** How the lying holder's transfers ended: the evidence that it was tried, and caught. */
  private void countLiarFailures() {
    ChaosNetwork.Reply transfers = run.network.get(run.network.trackerUrl() + "/api/v1/transfers?limit=1000", null);
    if (transfers.status() != 200) {
      problems.add("the tracker's transfer list answered " + transfers.status());
      return;
    }
    transfers.jsonArray().stream().map(JsonObject.class::cast)
        .filter(transfer -> LyingHolder.NAME.equals(transfer.getString("fromName")))
        .forEach(transfer -> liarFailures.merge(transfer.getString("state") + " " + transfer.getString("reason"), 1, Integer::sum));
  }

  /** The Markdown table, with the problems found under it. */
  String report(String note, long seed) {
    int faultsInjected = run.faults.values().stream().mapToInt(Integer::intValue).sum();
    String faultList = run.faults.entrySet().stream()
        .map(entry -> entry.getValue() + " × " + entry.getKey().description)
        .collect(Collectors.joining("; "));
    int askedAgain = (int) run.wanted.stream().filter(download -> download.asked > 1).count();
    StringBuilder out = new StringBuilder();
    out.append("## Fault run — bench/chaos.sh\n\n");
    if (!note.isBlank()) {
      out.append(note).append("\n\n");
    }
    out.append("| figure | value |\n|---|---|\n");
    out.append("| faults injected | ").append(faultsInjected).append(" (").append(faultList).append(") |\n");
    out.append("| downloads | ").append(run.wanted.size()).append(" asked between ").append(ChaosRun.PEERS)
        .append(" peers; ").append(askedAgain).append(" asked again after their downloader was killed |\n");
    out.append("| downloads finished, identical | ").append(finished).append(" |\n");
    out.append("| downloads failed with a sentence | ").append(failedWithSentence).append(" |\n");
    out.append("| transfers from the lying holder | ").append(liarFailures.isEmpty() ? "none" : liarFailures.entrySet().stream()
        .map(entry -> entry.getValue() + " " + entry.getKey()).sorted().collect(Collectors.joining(", "))).append(" |\n");
    out.append("| files verified in the shares | ").append(filesChecked).append(" (")
        .append(String.format("%.1f", bytesVerified / 1048576.0)).append(" MiB) |\n");
    out.append("| tracker answers watched | ").append(watch.answers()).append(", of which 503 during the database outage: ")
        .append(outage503s).append(" |\n");
    out.append("| lost (files not verified, downloads unaccounted for) | ").append(badFiles + unaccounted).append(" |\n");
    out.append("| problems found | ").append(problems.size()).append(" |\n");
    out.append("\nSeed ").append(seed).append(". ");
    out.append(problems.isEmpty() ? "Every check held.\n" : "Problems:\n\n" + problems.stream()
        .map(problem -> "- " + problem).collect(Collectors.joining("\n")) + "\n");
    return out.toString();
  }
}
