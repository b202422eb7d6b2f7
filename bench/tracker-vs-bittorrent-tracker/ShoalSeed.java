import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Seeds a Shoal tracker through its REST API for bench/tracker-vs-bittorrent-tracker.sh, writes
 * the request lists its wrk script cycles over, and times registrations of one peer with many
 * files. JDK only (run with the source launcher: {@code java ShoalSeed.java ...}); it talks to the
 * URL it is given, which the bench script starts on 127.0.0.1.
 *
 * <pre>
 * java ShoalSeed.java seed URL OUT_DIR PEERS FILES_PER_PEER HOLDERS CONCURRENCY DOWNLOADERS LOOKUP_FILES
 * java ShoalSeed.java big URL FILES RUNS
 * java ShoalSeed.java warm URL OUT_DIR
 * java ShoalSeed.java unwarm URL OUT_DIR
 * </pre>
 *
 * <p>{@code seed}: PEERS peers register FILES_PER_PEER files each ({@code POST /api/v1/peers},
 * keep-alive, CONCURRENCY requests in flight), so that each of PEERS x FILES_PER_PEER / HOLDERS
 * files is held by exactly HOLDERS peers: for each holder slot, a seeded random permutation of the
 * files is dealt out FILES_PER_PEER at a time to its own share of the peers. Files are named
 * {@code track-NNNNNN.flac}. DOWNLOADERS more peers register with no file, for transfer creations.
 * It checks {@code GET /api/v1/stats}, then writes into OUT_DIR: {@code lookup.txt} (LOOKUP_FILES
 * lookup paths spread evenly over the files), {@code transfers.txt} (creations, each from a
 * downloader for a file), {@code search.txt} ({@code q=track-NNNN}, each matching 100 files) and
 * {@code health.txt}. Prints {@code SEED requests=… errors=… seconds=… p50_ms=… p99_ms=…}.
 *
 * <p>{@code big}: RUNS times, a new peer registers FILES new files, alone, and is deleted right
 * after. Prints {@code BIG runs=… p50_ms=… max_ms=… min_ms=…}.
 */
public final class ShoalSeed {

  private static final Pattern TOKEN = Pattern.compile("\"token\"\\s*:\\s*\"([^\"]+)\"");
  private static final Pattern PEER_ID = Pattern.compile("\"peerId\"\\s*:\\s*\"([^\"]+)\"");
  private static final Duration TIMEOUT = Duration.ofSeconds(120);

  private final HttpClient client = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10))
      .build();
  private final URI base;

  private ShoalSeed(String url) {
    this.base = URI.create(url.endsWith("/") ? url : url + "/");
  }

  public static void main(String[] args) throws Exception {
    if (args.length >= 9 && args[0].equals("seed")) {
      new ShoalSeed(args[1]).seed(Path.of(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]),
          Integer.parseInt(args[5]), Integer.parseInt(args[6]), Integer.parseInt(args[7]), Integer.parseInt(args[8]));
    } else if (args.length >= 4 && args[0].equals("big")) {
      new ShoalSeed(args[1]).big(Integer.parseInt(args[2]), Integer.parseInt(args[3]));
    } else if (args.length >= 3 && args[0].equals("warm")) {
      new ShoalSeed(args[1]).warm(Path.of(args[2]));
    } else if (args.length >= 3 && args[0].equals("unwarm")) {
      new ShoalSeed(args[1]).unwarm(Path.of(args[2]));
    } else {
      System.err.println("usage: java ShoalSeed.java seed URL OUT_DIR PEERS FILES_PER_PEER HOLDERS CONCURRENCY"
          + " DOWNLOADERS LOOKUP_FILES | big URL FILES RUNS | warm URL OUT_DIR | unwarm URL OUT_DIR");
      System.exit(2);
    }
  }

  private void seed(Path out, int peers, int filesPerPeer, int holders, int concurrency, int downloaders,
      int lookupFiles) throws Exception {
    if (peers % holders != 0) {
      throw new IllegalArgumentException("peers (" + peers + ") must be a multiple of holders (" + holders + ")");
    }
    int peersPerSlot = peers / holders;
    int files = peersPerSlot * filesPerPeer;
    String[] sha = new String[files];
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    for (int f = 0; f < files; f++) {
      sha[f] = HexFormat.of().formatHex(digest.digest(("shoal-vs-bt file " + f).getBytes(StandardCharsets.UTF_8)));
    }
    int[][] deal = new int[holders][];
    for (int k = 0; k < holders; k++) {
      int[] perm = new int[files];
      for (int f = 0; f < files; f++) {
        perm[f] = f;
      }
      Random random = new Random(20261130L + k);
      for (int f = files - 1; f > 0; f--) {
        int j = random.nextInt(f + 1);
        int t = perm[f];
        perm[f] = perm[j];
        perm[j] = t;
      }
      deal[k] = perm;
    }

    // A warm-up may have left files in the catalogue that its sweep has not removed yet.
    String before = send(HttpRequest.newBuilder(base.resolve("api/v1/stats")).timeout(TIMEOUT).GET().build()).body();
    List<Double> latencies = new ArrayList<>(peers);
    AtomicInteger errors = new AtomicInteger();
    long t0 = System.nanoTime();
    run(peers, concurrency, p -> {
      int slot = p / peersPerSlot;
      int first = (p % peersPerSlot) * filesPerPeer;
      StringBuilder body = new StringBuilder(filesPerPeer * 130 + 100);
      body.append("{\"name\":\"bench-peer-").append(String.format(Locale.ROOT, "%05d", p))
          .append("\",\"address\":\"http://127.0.0.1:").append(20_000 + p % 40_000).append("\",\"files\":[");
      for (int i = 0; i < filesPerPeer; i++) {
        int f = deal[slot][first + i];
        if (i > 0) {
          body.append(',');
        }
        body.append("{\"sha256\":\"").append(sha[f]).append("\",\"name\":\"").append(name(f))
            .append("\",\"size\":").append(size(f)).append('}');
      }
      body.append("]}");
      return body.toString();
    }, latencies, errors, null);
    double seconds = (System.nanoTime() - t0) / 1e9;

    List<String> tokens = new ArrayList<>();
    run(downloaders, Math.min(concurrency, downloaders), d -> String.format(Locale.ROOT,
        "{\"name\":\"bench-downloader-%03d\",\"address\":\"http://127.0.0.1:%d\",\"files\":[]}", d, 19_000 + d),
        new ArrayList<>(), errors, tokens);

    String stats = send(HttpRequest.newBuilder(base.resolve("api/v1/stats")).timeout(TIMEOUT).GET().build()).body();
    System.err.println("shoal-seed: stats after seeding: " + stats);
    long holdings = number(stats, "holdings") - number(before, "holdings");
    long catalogue = number(stats, "files") - number(before, "files");
    if (holdings != (long) peers * filesPerPeer || catalogue != files) {
      throw new IllegalStateException("expected " + (long) peers * filesPerPeer + " holdings of " + files
          + " files more, the tracker has " + stats + " after " + before);
    }

    Files.createDirectories(out);
    int lookups = Math.min(lookupFiles, files);
    List<String> lines = new ArrayList<>(lookups);
    for (int i = 0; i < lookups; i++) {
      lines.add("/api/v1/files/" + sha[(int) ((long) i * files / lookups)]);
    }
    Files.write(out.resolve("lookup.txt"), lines);

    // Creations: downloader d in turn, for a file picked at random (downloaders hold nothing).
    Random random = new Random(7);
    lines = new ArrayList<>();
    for (int i = 0; i < 50_000; i++) {
      lines.add("POST /api/v1/transfers " + tokens.get(i % tokens.size()) + " {\"sha256\":\""
          + sha[random.nextInt(files)] + "\"}");
    }
    Files.write(out.resolve("transfers.txt"), lines);

    // track-NNNN matches the 100 files track-NNNN00 to track-NNNN99.
    List<String> queries = new ArrayList<>();
    for (int q = 0; q < Math.max(1, files / 100); q++) {
      queries.add(String.format(Locale.ROOT, "/api/v1/files?q=track-%04d", q));
    }
    java.util.Collections.shuffle(queries, new Random(11));
    Files.write(out.resolve("search.txt"), queries);
    Files.write(out.resolve("health.txt"), List.of("/health"));

    double[] sorted = latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    System.out.printf(Locale.ROOT, "SEED requests=%d errors=%d seconds=%.3f p50_ms=%.2f p99_ms=%.2f holdings=%d files=%d%n",
        peers, errors.get(), seconds, percentile(sorted, 0.50), percentile(sorted, 0.99), holdings, catalogue);
    if (errors.get() > 0) {
      System.exit(1);
    }
  }

  private void big(int files, int runs) throws Exception {
    double[] ms = new double[runs];
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    for (int r = 0; r < runs; r++) {
      StringBuilder body = new StringBuilder(files * 130 + 100);
      body.append("{\"name\":\"bench-big-").append(r).append("\",\"address\":\"http://127.0.0.1:7999\",\"files\":[");
      for (int i = 0; i < files; i++) {
        if (i > 0) {
          body.append(',');
        }
        String sha = HexFormat.of().formatHex(digest.digest(("shoal-vs-bt big " + r + " " + i).getBytes(StandardCharsets.UTF_8)));
        body.append("{\"sha256\":\"").append(sha).append("\",\"name\":\"")
            .append(String.format(Locale.ROOT, "library-%d episode-%05d.mkv", r, i)).append("\",\"size\":")
            .append(50_000_000L + i).append('}');
      }
      body.append("]}");
      HttpRequest request = HttpRequest.newBuilder(base.resolve("api/v1/peers")).timeout(TIMEOUT)
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
      long t0 = System.nanoTime();
      HttpResponse<String> response = send(request);
      ms[r] = (System.nanoTime() - t0) / 1e6;
      if (response.statusCode() != 201) {
        throw new IllegalStateException("registration of " + files + " files: HTTP " + response.statusCode() + " "
            + response.body());
      }
      String peerId = match(PEER_ID, response.body());
      HttpResponse<String> deleted = send(HttpRequest.newBuilder(base.resolve("api/v1/peers/" + peerId)).timeout(TIMEOUT)
          .header("Authorization", "Bearer " + match(TOKEN, response.body())).DELETE().build());
      if (deleted.statusCode() != 204) {
        throw new IllegalStateException("DELETE of that peer: HTTP " + deleted.statusCode() + " " + deleted.body());
      }
      System.err.printf(Locale.ROOT, "shoal-seed: %d files registered in %.1f ms%n", files, ms[r]);
    }
    double[] sorted = ms.clone();
    Arrays.sort(sorted);
    System.out.printf(Locale.ROOT, "BIG runs=%d p50_ms=%.2f max_ms=%.2f min_ms=%.2f%n",
        runs, percentile(sorted, 0.50), sorted[runs - 1], sorted[0]);
  }

  /**
   * Registers a peer with 100 files of its own and a peer with none, and writes lookups of those
   * files to OUT_DIR/lookup.txt, transfer creations of them by the second peer to
   * OUT_DIR/transfers.txt, and both peers' ids and tokens to OUT_DIR/peers: requests the JIT
   * compiles before any measured row, on files and peers no measured row uses.
   */
  private void warm(Path out) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    StringBuilder files = new StringBuilder();
    List<String> lookups = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      String sha = HexFormat.of().formatHex(digest.digest(("shoal-vs-bt warm-up " + i).getBytes(StandardCharsets.UTF_8)));
      files.append(i > 0 ? "," : "").append("{\"sha256\":\"").append(sha).append("\",\"name\":\"warm-up-")
          .append(i).append(".bin\",\"size\":").append(1_000 + i).append('}');
      lookups.add("/api/v1/files/" + sha);
    }
    String holder = registerAlone("{\"name\":\"bench-warm-up-holder\",\"address\":\"http://127.0.0.1:7998\",\"files\":["
        + files + "]}");
    String downloader = registerAlone("{\"name\":\"bench-warm-up-downloader\",\"address\":\"http://127.0.0.1:7997\",\"files\":[]}");
    String downloaderToken = downloader.split(" ")[1];
    List<String> creations = lookups.stream()
        .map(path -> "POST /api/v1/transfers " + downloaderToken + " {\"sha256\":\"" + path.substring(path.lastIndexOf('/') + 1) + "\"}")
        .toList();
    Files.createDirectories(out);
    Files.write(out.resolve("lookup.txt"), lookups);
    Files.write(out.resolve("transfers.txt"), creations);
    Files.write(out.resolve("peers"), List.of(holder, downloader));
  }

  /** Registers one peer; returns its id and token, separated by a space. */
  private String registerAlone(String body) throws Exception {
    HttpResponse<String> response = send(HttpRequest.newBuilder(base.resolve("api/v1/peers")).timeout(TIMEOUT)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
    if (response.statusCode() != 201) {
      throw new IllegalStateException("warm-up registration: HTTP " + response.statusCode() + " " + response.body());
    }
    return match(PEER_ID, response.body()) + " " + match(TOKEN, response.body());
  }

  /** The warm-up's peers leave, their transfers with them: the measured rows start from an empty registry. */
  private void unwarm(Path out) throws Exception {
    for (String line : Files.readAllLines(out.resolve("peers"))) {
      String[] peer = line.trim().split(" ");
      HttpResponse<String> deleted = send(HttpRequest.newBuilder(base.resolve("api/v1/peers/" + peer[0])).timeout(TIMEOUT)
          .header("Authorization", "Bearer " + peer[1]).DELETE().build());
      if (deleted.statusCode() != 204) {
        throw new IllegalStateException("DELETE of a warm-up peer: HTTP " + deleted.statusCode() + " " + deleted.body());
      }
    }
  }

  /** Registers peers 0..count-1 with the bodies given, `concurrency` requests in flight. */
  private void run(int count, int concurrency, java.util.function.IntFunction<String> bodies, List<Double> latencies,
      AtomicInteger errors, List<String> tokens) {
    AtomicInteger next = new AtomicInteger();
    ConcurrentLinkedQueue<Double> times = new ConcurrentLinkedQueue<>();
    String[] gotTokens = new String[count];
    List<CompletableFuture<Void>> workers = new ArrayList<>();
    for (int w = 0; w < concurrency; w++) {
      workers.add(loop(next, count, bodies, times, errors, gotTokens));
    }
    CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).join();
    latencies.addAll(times);
    if (tokens != null) {
      tokens.addAll(Arrays.asList(gotTokens));
    }
  }

  private CompletableFuture<Void> loop(AtomicInteger next, int count, java.util.function.IntFunction<String> bodies,
      ConcurrentLinkedQueue<Double> times, AtomicInteger errors, String[] tokens) {
    int p = next.getAndIncrement();
    if (p >= count) {
      return CompletableFuture.completedFuture(null);
    }
    HttpRequest request = HttpRequest.newBuilder(base.resolve("api/v1/peers")).timeout(TIMEOUT)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(bodies.apply(p))).build();
    long t0 = System.nanoTime();
    return client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((response, failure) -> {
      if (failure != null || response.statusCode() != 201) {
        if (errors.incrementAndGet() <= 5) {
          System.err.println("shoal-seed: registration " + p + ": "
              + (failure != null ? failure : "HTTP " + response.statusCode() + " " + response.body()));
        }
      } else {
        times.add((System.nanoTime() - t0) / 1e6);
        tokens[p] = match(TOKEN, response.body());
      }
      return null;
    }).thenCompose(ignored -> errors.get() > 100
        ? CompletableFuture.failedFuture(new IllegalStateException("more than 100 registrations failed"))
        : loop(next, count, bodies, times, errors, tokens));
  }

  private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
    return client.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static String name(int file) {
    return String.format(Locale.ROOT, "track-%06d.flac", file);
  }

  private static long size(int file) {
    return 3_000_000L + (file * 7919L) % 40_000_000L;
  }

  private static String match(Pattern pattern, String text) {
    Matcher m = pattern.matcher(text);
    if (!m.find()) {
      throw new IllegalStateException("no " + pattern + " in " + text);
    }
    return m.group(1);
  }

  private static long number(String json, String field) {
    Matcher m = Pattern.compile("\"" + field + "\"\\s*:\\s*(\\d+)").matcher(json);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  private static double percentile(double[] sorted, double q) {
    return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))];
  }
}
