package shoal.tracker.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Load generator for the tracker's registry: seeds a running tracker with many peers holding
 * overlapping files, then measures, with a fixed number of requests in flight (closed loop),
 * the rate and the p50/p99 latency of file lookups, transfer creations, searches and transfer
 * completions, each as a ratio to {@code GET /health} (one trivial PostgreSQL round trip through
 * the same HTTP stack) measured in the same run with the same client and concurrency; and the
 * time to register one peer with 10 000 files.
 *
 * <p>Not a test: run by {@code bench/tracker-registry.sh}, which starts the tracker. Every phase
 * is bounded in requests and in time and stops by itself. It only talks to the URL it is given
 * (the script gives it 127.0.0.1).
 *
 * <pre>
 * java -cp ... shoal.tracker.bench.RegistryBenchmark --url http://127.0.0.1:PORT [--quick]
 *     [--peers 10000] [--files-per-peer 100] [--holders 10] [--concurrency 32]
 *     [--seconds 20] [--warmup-seconds 10] [--settle-seconds 30] [--list-requests 10]
 *     [--big-files 10000] [--big-runs 5]
 *     [--out results.md] [--json results.json] [--note TEXT] [--seed-only]
 * </pre>
 */
public final class RegistryBenchmark {

  private static final long REQUEST_TIMEOUT_MS = 60_000;
  /** A phase is cut short once this many requests have failed (and more failed than succeeded). */
  private static final int MAX_ERRORS = 200;
  private static final long WARMUP_SLICE_MS = 2_000;

  private final Options options;
  private final Vertx vertx;
  private final WebClient client;
  private final Context context;
  private final String host;
  private final int port;
  private final SplittableRandom random = new SplittableRandom(20240611L);

  private Dataset data;
  private String[] peerIds;
  private String[] tokens;
  private final List<Row> rows = new ArrayList<>();
  private final Map<String, Object> facts = new LinkedHashMap<>();

  private RegistryBenchmark(Options options) {
    this.options = options;
    URI uri = URI.create(options.url);
    this.host = uri.getHost();
    this.port = uri.getPort();
    this.vertx = Vertx.vertx();
    this.client = WebClient.create(vertx,
        new WebClientOptions().setKeepAlive(true).setPipelining(false).setTcpNoDelay(true).setUserAgent("shoal-bench"),
        new PoolOptions().setHttp1MaxSize(Math.max(options.concurrency, 1)));
    // Every request is sent, and every response handled, on this one event loop: the recorders
    // need no locks.
    this.context = vertx.getOrCreateContext();
  }

  public static void main(String[] args) throws Exception {
    Options options = Options.parse(args);
    RegistryBenchmark bench = new RegistryBenchmark(options);
    int exit = 0;
    try {
      bench.run();
    } catch (Exception e) {
      System.err.println("bench: failed: " + e);
      e.printStackTrace();
      exit = 1;
    } finally {
      bench.vertx.close().await(10, TimeUnit.SECONDS);
    }
    System.exit(exit);
  }

  // ---- the run -----------------------------------------------------------------------------

  private void run() throws Exception {
    long t0 = System.nanoTime();
    log("building the data set: %d peers x %d files, each file held by %d peers",
        options.peers, options.filesPerPeer, options.holders);
    data = new Dataset(options.peers, options.filesPerPeer, options.holders, 42L);
    peerIds = new String[data.peers];
    tokens = new String[data.peers];

    expectStatus(get("/health").send(), 200).await(30, TimeUnit.SECONDS);

    // 1. Seeding, itself measured: registrations of 100 files while the registry grows from empty.
    int[] nextPeer = {0};
    Row seeding = measure("POST /api/v1/peers, " + options.filesPerPeer + " files (seeding, registry growing)",
        options.concurrency, options.seedSeconds * 1000L, data.peers, () -> {
          int p = nextPeer[0]++;
          return register(p);
        });
    if (seeding.ok != data.peers) {
      throw new IllegalStateException("seeding registered " + seeding.ok + " of " + data.peers + " peers: " + seeding.errorKinds);
    }
    JsonObject stats = stats();
    log("registry after seeding: %s", stats.encode());
    facts.put("statsAfterSeeding", stats);
    if (stats.getLong("holdings") != (long) data.peers * data.filesPerPeer || stats.getLong("files") != data.distinctFiles) {
      throw new IllegalStateException("the registry does not hold the seeded data set: " + stats.encode());
    }
    checkLookup();
    if (options.seedOnly) {
      log("--seed-only: the tracker at %s now holds the data set; stopping here", options.url);
      return;
    }

    long measureMs = options.seconds * 1000L;
    long warmupMs = options.warmupSeconds * 1000L;
    long cap = 1_000_000;

    // 2. The reference: GET /health, same client, same concurrency. First until its rate is
    //    steady: both JVMs compile their hot paths, PostgreSQL's autovacuum digests the seeding.
    double settled = warmup("GET /health (settling after seeding)", options.settleSeconds * 1000L, this::health);
    facts.put("settleSeconds", settled);
    Row health = measure("GET /health (reference)", options.concurrency, measureMs, cap, this::health);

    // 3. Transfer creations by registered peers; they stay active until step 6, so the lookups
    //    below see sources with active uploads, as a live tracker would.
    List<String[]> created = new ArrayList<>();
    warmup("POST /api/v1/transfers", warmupMs, () -> startTransfer(created));
    measure("POST /api/v1/transfers (create)", options.concurrency, measureMs, options.maxTransfers, () -> startTransfer(created));
    facts.put("activeTransfersDuringLookups", created.size());

    // 4. Lookups of random existing files (each has `holders` live holders).
    warmup("GET /api/v1/files/{sha256}", warmupMs, this::lookup);
    measure("GET /api/v1/files/{sha256} (lookup)", options.concurrency, measureMs, cap, this::lookup);

    // 5. Name searches, each matching 100 files (1 000 holdings at 10 holders each).
    warmup("GET /api/v1/files?q=", warmupMs, this::search);
    measure("GET /api/v1/files?q=track-NNNN (search, 100 matches)", options.concurrency, measureMs, cap, this::search);

    // 6. Completing every transfer made above, so the registry goes back to no active transfers.
    int[] nextTransfer = {0};
    measure("POST /api/v1/transfers/{id}/complete", options.concurrency, Math.max(measureMs, 30_000L), created.size(), () -> {
      String[] transfer = created.get(nextTransfer[0]++);
      return completeTransfer(transfer);
    });

    // 7. The reference again: how much the machine drifted during the run.
    Row healthEnd = measure("GET /health (reference, again at the end)", options.concurrency, measureMs / 2, cap, this::health);

    // 8. One peer registering 10 000 files at a time, alone, and it leaving; against /health
    //    with one request in flight.
    Row healthOne = measure("GET /health (reference, 1 in flight)", 1, Math.max(measureMs / 4, 2_000L), cap, this::health);
    // The whole catalogue, first page: what a search box with nothing typed in asks for.
    measure("GET /api/v1/files (no q: first page of all files)", 1, measureMs / 2, options.listRequests, this::listAll);
    bigRegistrations(healthOne);

    JsonObject finalStats = stats();
    facts.put("statsAtEnd", finalStats);
    facts.put("totalSeconds", (System.nanoTime() - t0) / 1e9);
    facts.put("healthDrift", healthEnd.rate() / health.rate());
    report(health, healthOne);
  }

  private void bigRegistrations(Row healthOne) {
    Row register = new Row("POST /api/v1/peers, " + options.bigFiles + " files (one peer, 1 in flight)");
    Row leave = new Row("DELETE /api/v1/peers/{id} holding " + options.bigFiles + " files (1 in flight)");
    register.reference = healthOne;
    leave.reference = healthOne;
    for (int run = 0; run <= options.bigRuns; run++) {
      boolean warm = run == 0;
      JsonObject body = new JsonObject()
          .put("name", "bench-big-" + run)
          .put("address", "http://127.0.0.1:7999")
          .put("files", bigFiles(run));
      Buffer encoded = body.toBuffer();
      long start = System.nanoTime();
      HttpResponse<Buffer> response = post("/api/v1/peers")
          .putHeader("Content-Type", "application/json").sendBuffer(encoded).await();
      long took = System.nanoTime() - start;
      if (response.statusCode() != 201) {
        throw new IllegalStateException("registering a peer with " + options.bigFiles + " files answered "
            + response.statusCode() + ": " + response.bodyAsString());
      }
      JsonObject registration = response.bodyAsJsonObject();
      String id = registration.getString("peerId");
      String token = registration.getString("token");
      long leaveStart = System.nanoTime();
      HttpResponse<Buffer> left = request(HttpMethod.DELETE, "/api/v1/peers/" + id)
          .putHeader("Authorization", "Bearer " + token).send().await();
      long leaveTook = System.nanoTime() - leaveStart;
      if (left.statusCode() != 204) {
        throw new IllegalStateException("the big peer's DELETE answered " + left.statusCode() + ": " + left.bodyAsString());
      }
      if (!warm) {
        register.record(took);
        register.elapsedNs += took;
        leave.record(leaveTook);
        leave.elapsedNs += leaveTook;
      }
      log("  %s %d: register %.0f ms (%d bytes), leave %.0f ms", warm ? "warm-up" : "run", run,
          took / 1e6, encoded.length(), leaveTook / 1e6);
    }
    register.lowCount = true;
    leave.lowCount = true;
    rows.add(register);
    rows.add(leave);
  }

  private JsonArray bigFiles(int run) {
    JsonArray files = new JsonArray();
    for (int i = 0; i < options.bigFiles; i++) {
      files.add(new JsonObject()
          .put("sha256", Dataset.sha256Hex("shoal-bench-big-" + run + "-" + i))
          .put("name", String.format(Locale.ROOT, "library-%d/episode-%05d.mkv", run, i))
          .put("size", 50_000_000L + i));
    }
    return files;
  }

  // ---- the operations ----------------------------------------------------------------------

  private Future<?> register(int p) {
    JsonArray files = new JsonArray();
    for (int f : data.peerFiles[p]) {
      files.add(new JsonObject().put("sha256", data.sha[f]).put("name", data.name(f)).put("size", data.size(f)));
    }
    JsonObject body = new JsonObject()
        .put("name", String.format(Locale.ROOT, "bench-peer-%05d", p))
        .put("address", "http://127.0.0.1:" + (20_000 + p % 40_000))
        .put("files", files);
    return expectStatus(post("/api/v1/peers").sendJsonObject(body), 201).map(response -> {
      JsonObject registration = response.bodyAsJsonObject();
      peerIds[p] = registration.getString("peerId");
      tokens[p] = registration.getString("token");
      return null;
    });
  }

  private Future<?> health() {
    return expectStatus(get("/health").send(), 200);
  }

  private Future<?> lookup() {
    return expectStatus(get("/api/v1/files/" + data.sha[random.nextInt(data.distinctFiles)]).send(), 200);
  }

  private Future<?> listAll() {
    return expectStatus(get("/api/v1/files").send(), 200);
  }

  private Future<?> search() {
    // track-NNNN matches the 100 files track-NNNN00 .. track-NNNN99.
    String q = String.format(Locale.ROOT, "track-%04d", random.nextInt(data.distinctFiles / 100));
    return expectStatus(get("/api/v1/files?q=" + q).send(), 200);
  }

  /** A random peer asks for a random file it does not hold yet. */
  private Future<?> startTransfer(List<String[]> created) {
    int p = random.nextInt(data.peers);
    int f;
    do {
      f = random.nextInt(data.distinctFiles);
    } while (data.holds(p, f));
    JsonObject body = new JsonObject().put("sha256", data.sha[f]).put("exclude", new JsonArray());
    return expectStatus(post("/api/v1/transfers").putHeader("Authorization", "Bearer " + tokens[p]).sendJsonObject(body), 201)
        .map(response -> {
          created.add(new String[] {response.bodyAsJsonObject().getString("transferId"), tokens[p]});
          return null;
        });
  }

  private Future<?> completeTransfer(String[] transfer) {
    return expectStatus(post("/api/v1/transfers/" + transfer[0] + "/complete")
        .putHeader("Authorization", "Bearer " + transfer[1]).send(), 200);
  }

  /** One lookup, checked in full: the data set is what the tracker serves. */
  private void checkLookup() {
    int f = 0;
    HttpResponse<Buffer> response = get("/api/v1/files/" + data.sha[f]).send().await();
    JsonObject file = response.bodyAsJsonObject();
    if (response.statusCode() != 200 || file.getJsonArray("holders").size() != data.holdersPerFile) {
      throw new IllegalStateException("lookup of file 0 answered " + response.statusCode() + ": " + response.bodyAsString());
    }
  }

  private JsonObject stats() {
    return expectStatus(get("/api/v1/stats").send(), 200).await().bodyAsJsonObject();
  }

  // ---- HTTP --------------------------------------------------------------------------------

  private HttpRequest<Buffer> request(HttpMethod method, String uri) {
    return client.request(method, port, host, uri).timeout(REQUEST_TIMEOUT_MS);
  }

  private HttpRequest<Buffer> get(String uri) {
    return request(HttpMethod.GET, uri);
  }

  private HttpRequest<Buffer> post(String uri) {
    return request(HttpMethod.POST, uri);
  }

  private static Future<HttpResponse<Buffer>> expectStatus(Future<HttpResponse<Buffer>> response, int status) {
    return response.compose(r -> r.statusCode() == status
        ? Future.succeededFuture(r)
        : Future.failedFuture(new UnexpectedStatus(r.statusCode(), r.bodyAsString())));
  }

  private static final class UnexpectedStatus extends RuntimeException {
    final int status;

    UnexpectedStatus(int status, String body) {
      super("HTTP " + status + ": " + (body == null ? "" : body.length() > 300 ? body.substring(0, 300) : body), null, false, false);
      this.status = status;
    }
  }

  // ---- the closed-loop driver --------------------------------------------------------------

  /**
   * Runs {@code operation} in slices of {@value #WARMUP_SLICE_MS} ms until two slices in a row
   * agree within 10 % (at least two slices), or {@code maxMs} is spent.
   *
   * @return the seconds it took
   */
  private double warmup(String what, long maxMs, Supplier<Future<?>> operation) {
    long start = System.nanoTime();
    double previous = -1;
    int slices = 0;
    while (true) {
      long spentMs = (System.nanoTime() - start) / 1_000_000L;
      if (spentMs + WARMUP_SLICE_MS / 2 > maxMs) {
        break;
      }
      Row row = drive(new Row(what + " (warm-up)"), options.concurrency, WARMUP_SLICE_MS, 1_000_000, operation);
      slices++;
      log("  warm-up %-45s slice %2d: %7d requests, %5d errors, %8.0f req/s", what, slices, row.ok, row.errors, row.rate());
      boolean steady = previous > 0 && Math.abs(row.rate() - previous) <= 0.10 * previous;
      previous = row.rate();
      if (steady) {
        break;
      }
    }
    return (System.nanoTime() - start) / 1e9;
  }

  private Row measure(String what, int concurrency, long durationMs, long maxRequests, Supplier<Future<?>> operation) {
    Row row = drive(new Row(what), concurrency, durationMs, maxRequests, operation);
    row.concurrency = concurrency;
    rows.add(row);
    log("%-62s %7d ok %5d errors %8.0f req/s  p50 %7.2f ms  p99 %7.2f ms  (%.1f s)%s",
        what, row.ok, row.errors, row.rate(), row.percentileMs(0.50), row.percentileMs(0.99), row.elapsedNs / 1e9,
        row.errorKinds.isEmpty() ? "" : "  " + row.errorKinds);
    return row;
  }

  /**
   * Keeps {@code concurrency} requests in flight until {@code durationMs} has passed or
   * {@code maxRequests} have been sent, whichever comes first.
   */
  private Row drive(Row row, int concurrency, long durationMs, long maxRequests, Supplier<Future<?>> operation) {
    Promise<Row> done = Promise.promise();
    context.runOnContext(v -> new Loop(row, concurrency, durationMs, maxRequests, operation, done).start());
    try {
      // The loop stops by itself at its deadline; this only guards against a lost response.
      return done.future().await(durationMs + 2 * REQUEST_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException(row.name + " did not finish", e);
    }
  }

  private final class Loop {
    private final Row row;
    private final int concurrency;
    private final long durationNs;
    private final long maxRequests;
    private final Supplier<Future<?>> operation;
    private final Promise<Row> done;
    private long sent;
    private int running;
    private long start;
    private long deadline;

    Loop(Row row, int concurrency, long durationMs, long maxRequests, Supplier<Future<?>> operation, Promise<Row> done) {
      this.row = row;
      this.concurrency = concurrency;
      this.durationNs = durationMs * 1_000_000L;
      this.maxRequests = maxRequests;
      this.operation = operation;
      this.done = done;
    }

    void start() {
      start = System.nanoTime();
      deadline = start + durationNs;
      running = (int) Math.min(concurrency, Math.max(maxRequests, 0));
      if (running == 0) {
        done.complete(row);
        return;
      }
      for (int i = 0, n = running; i < n; i++) {
        next();
      }
    }

    private void next() {
      long now = System.nanoTime();
      boolean tooManyErrors = row.errors >= MAX_ERRORS && row.errors > row.ok;
      if (now >= deadline || sent >= maxRequests || tooManyErrors) {
        if (--running == 0) {
          row.elapsedNs = now - start;
          done.complete(row);
        }
        return;
      }
      sent++;
      long begin = now;
      Future<?> call;
      try {
        call = operation.get();
      } catch (RuntimeException e) {
        call = Future.failedFuture(e);
      }
      call.onComplete(ok -> {
        row.record(System.nanoTime() - begin);
        next();
      }, failure -> {
        row.error(failure);
        // Asynchronously, so that a run of immediate failures cannot grow the stack.
        context.runOnContext(v -> next());
      });
    }
  }

  // ---- results -----------------------------------------------------------------------------

  /** One line of the table: latencies in nanoseconds, in arrival order until sorted. */
  private static final class Row {
    final String name;
    long[] latencies = new long[1 << 14];
    int ok;
    int errors;
    long elapsedNs;
    int concurrency = 1;
    boolean lowCount;
    Row reference;
    final Map<String, Integer> errorKinds = new TreeMap<>();
    private boolean sorted;

    Row(String name) {
      this.name = name;
    }

    void record(long nanos) {
      if (ok == latencies.length) {
        latencies = Arrays.copyOf(latencies, latencies.length * 2);
      }
      latencies[ok++] = nanos;
      sorted = false;
    }

    void error(Throwable failure) {
      errors++;
      String kind = failure instanceof UnexpectedStatus status ? "HTTP " + status.status : failure.getClass().getSimpleName();
      if (errorKinds.merge(kind, 1, Integer::sum) == 1) {
        System.err.println("bench: " + name + ": " + failure.getMessage());
      }
    }

    double rate() {
      return elapsedNs == 0 ? 0 : ok / (elapsedNs / 1e9);
    }

    /** Nearest-rank percentile, in milliseconds. */
    double percentileMs(double p) {
      if (ok == 0) {
        return Double.NaN;
      }
      if (!sorted) {
        Arrays.sort(latencies, 0, ok);
        sorted = true;
      }
      int rank = (int) Math.ceil(p * ok);
      return latencies[Math.min(Math.max(rank, 1), ok) - 1] / 1e6;
    }
  }

  private void report(Row health, Row healthOne) throws IOException {
    String date = OffsetDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    JsonObject after = (JsonObject) facts.get("statsAfterSeeding");
    StringBuilder md = new StringBuilder();
    md.append("### Tracker registry benchmark").append(options.quick ? " (--quick)" : "").append(", ").append(date).append("\n\n");
    md.append(String.format(Locale.ROOT,
        "- Data set: %,d peers x %,d files each = %,d holdings of %,d distinct files, every file held by exactly %d"
            + " peers chosen at random (10 random permutations of the files, one per holder slot); names `track-NNNNNN.flac`.%n",
        data.peers, data.filesPerPeer, after.getLong("holdings"), after.getLong("files"), data.holdersPerFile));
    md.append(String.format(Locale.ROOT,
        "- Load: closed loop, %d requests in flight from one Vert.x WebClient (one event loop, keep-alive), on the same"
            + " machine as the tracker (%d cores, %s); tracker and client both on 127.0.0.1. Each row runs %d s, after a warm-up"
            + " of the same operation in 2 s slices until two slices agree within 10%% (at most %d s; /health first settled"
            + " for %.0f s after seeding). Rows with 1 in flight are compared with /health at 1 in flight.%n",
        options.concurrency, Runtime.getRuntime().availableProcessors(), cpuModel(), options.seconds, options.warmupSeconds,
        (Double) facts.get("settleSeconds")));
    md.append(String.format(Locale.ROOT,
        "- Lookups: random existing files (%d holders each), measured while the %,d transfers created in the row before are"
            + " still active; transfer creations: a random registered peer asks for a random file it does not hold;"
            + " they are all completed in the `complete` row (which makes each downloader a holder). Searches: `q=track-NNNN`"
            + " with random NNNN, 100 matching files each (1 000 holdings); the no-`q` row lists the first 100 of all files.%n",
        data.holdersPerFile, ((Number) facts.get("activeTransfersDuringLookups")).intValue()));
    md.append(String.format(Locale.ROOT,
        "- Ratio: the row's req/s divided by `GET /health` req/s at the same concurrency (%.0f req/s at %d in flight,"
            + " %.0f req/s at 1); the reference measured again at the end ran at %.2f of the first.%n",
        health.rate(), options.concurrency, healthOne.rate(), (Double) facts.get("healthDrift")));
    md.append(String.format(Locale.ROOT,
        "- The %s-file registration: %d runs after one warm-up, each a new peer with %,d new files, deleted after it;"
            + " p50 is the median, p99 the slowest run.%n",
        options.bigFiles, options.bigRuns, options.bigFiles));
    if (options.note != null) {
      md.append("- ").append(options.note).append("\n");
    }
    md.append("\n| operation | in flight | requests | errors | req/s | p50 ms | p99 ms | ratio to /health |\n");
    md.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Row row : rows) {
      Row reference = row.reference != null ? row.reference : row.concurrency == 1 ? healthOne : health;
      md.append(String.format(Locale.ROOT, "| %s | %d | %,d | %d | %,.0f | %.2f | %.2f | %s |%n",
          row.name, row.concurrency, row.ok, row.errors, row.rate(),
          row.percentileMs(0.50), row.percentileMs(0.99),
          row == reference ? "1" : String.format(Locale.ROOT, "%.3f", row.rate() / reference.rate())));
    }
    md.append(String.format(Locale.ROOT, "%nWhole run (seeding included, tracker start excluded): %.0f s.%n",
        (Double) facts.get("totalSeconds")));
    System.out.print(md);
    System.out.flush();
    if (options.out != null) {
      Files.writeString(options.out, md.toString(), StandardCharsets.UTF_8);
    }
    if (options.json != null) {
      JsonArray rowsJson = new JsonArray();
      for (Row row : rows) {
        Row reference = row.reference != null ? row.reference : row.concurrency == 1 ? healthOne : health;
        rowsJson.add(new JsonObject()
            .put("operation", row.name).put("concurrency", row.concurrency).put("requests", row.ok)
            .put("errors", row.errors).put("errorKinds", new JsonObject(new LinkedHashMap<>(row.errorKinds)))
            .put("seconds", row.elapsedNs / 1e9).put("rate", row.rate())
            .put("p50Ms", row.percentileMs(0.50)).put("p99Ms", row.percentileMs(0.99))
            .put("ratioToHealth", row.rate() / reference.rate()));
      }
      JsonObject json = new JsonObject()
          .put("date", date).put("quick", options.quick)
          .put("peers", data.peers).put("filesPerPeer", data.filesPerPeer).put("holdersPerFile", data.holdersPerFile)
          .put("distinctFiles", data.distinctFiles).put("concurrency", options.concurrency)
          .put("seconds", options.seconds).put("warmupSeconds", options.warmupSeconds)
          .put("cpus", Runtime.getRuntime().availableProcessors()).put("cpu", cpuModel())
          .put("facts", new JsonObject(facts)).put("rows", rowsJson);
      Files.writeString(options.json, json.encodePrettily(), StandardCharsets.UTF_8);
    }
  }

  private static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return System.getProperty("os.arch");
  }

  private static void log(String format, Object... args) {
    System.err.println("bench: " + String.format(Locale.ROOT, format, args));
  }

  // ---- the data set ------------------------------------------------------------------------

  /**
   * {@code peers} peers holding {@code filesPerPeer} files each, every file held by exactly
   * {@code holders} distinct peers: holder slot {@code k} of the files is a random permutation of
   * them dealt out, {@code filesPerPeer} at a time, to its own block of {@code peers / holders}
   * peers.
   */
  static final class Dataset {
    final int peers;
    final int filesPerPeer;
    final int holdersPerFile;
    final int distinctFiles;
    final String[] sha;
    final int[][] peerFiles;
    final int[][] fileHolders;

    Dataset(int peers, int filesPerPeer, int holders, long seed) {
      if (peers % holders != 0) {
        throw new IllegalArgumentException("--peers must be a multiple of --holders");
      }
      this.peers = peers;
      this.filesPerPeer = filesPerPeer;
      this.holdersPerFile = holders;
      int peersPerSlot = peers / holders;
      this.distinctFiles = peersPerSlot * filesPerPeer;
      this.sha = new String[distinctFiles];
      for (int f = 0; f < distinctFiles; f++) {
        sha[f] = sha256Hex("shoal-bench-file-" + f);
      }
      this.peerFiles = new int[peers][filesPerPeer];
      this.fileHolders = new int[distinctFiles][holders];
      SplittableRandom random = new SplittableRandom(seed);
      for (int k = 0; k < holders; k++) {
        int[] permutation = new int[distinctFiles];
        for (int i = 0; i < distinctFiles; i++) {
          permutation[i] = i;
        }
        for (int i = distinctFiles - 1; i > 0; i--) {
          int j = random.nextInt(i + 1);
          int t = permutation[i];
          permutation[i] = permutation[j];
          permutation[j] = t;
        }
        for (int i = 0; i < distinctFiles; i++) {
          int peer = k * peersPerSlot + i / filesPerPeer;
          int file = permutation[i];
          peerFiles[peer][i % filesPerPeer] = file;
          fileHolders[file][k] = peer;
        }
      }
    }

    boolean holds(int peer, int file) {
      for (int holder : fileHolders[file]) {
        if (holder == peer) {
          return true;
        }
      }
      return false;
    }

    String name(int file) {
      return String.format(Locale.ROOT, "track-%06d.flac", file);
    }

    long size(int file) {
      return 1_000_000L + (file * 7_919L) % 100_000_000L;
    }

    static String sha256Hex(String text) {
      try {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  // ---- options -----------------------------------------------------------------------------

  static final class Options {
    String url;
    boolean quick;
    boolean seedOnly;
    int peers = 10_000;
    int filesPerPeer = 100;
    int holders = 10;
    int concurrency = 32;
    int seconds = 20;
    int warmupSeconds = 10;
    int settleSeconds = 30;
    int listRequests = 10;
    int seedSeconds = 240;
    int maxTransfers = 100_000;
    int bigFiles = 10_000;
    int bigRuns = 5;
    Path out;
    Path json;
    String note;

    static Options parse(String[] args) {
      Options o = new Options();
      for (String arg : args) {
        if (arg.equals("--quick")) {
          o.quick = true;
          o.peers = 1_000;
          o.seconds = 5;
          o.warmupSeconds = 4;
          o.settleSeconds = 10;
          o.listRequests = 5;
          o.bigRuns = 3;
        }
      }
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        if (arg.equals("--quick")) {
          continue;
        }
        if (arg.equals("--seed-only")) {
          o.seedOnly = true;
          continue;
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("missing value after " + arg);
        }
        String value = args[++i];
        switch (arg) {
          case "--url" -> o.url = value;
          case "--peers" -> o.peers = Integer.parseInt(value);
          case "--files-per-peer" -> o.filesPerPeer = Integer.parseInt(value);
          case "--holders" -> o.holders = Integer.parseInt(value);
          case "--concurrency" -> o.concurrency = Integer.parseInt(value);
          case "--seconds" -> o.seconds = Integer.parseInt(value);
          case "--warmup-seconds" -> o.warmupSeconds = Integer.parseInt(value);
          case "--settle-seconds" -> o.settleSeconds = Integer.parseInt(value);
          case "--list-requests" -> o.listRequests = Integer.parseInt(value);
          case "--seed-seconds" -> o.seedSeconds = Integer.parseInt(value);
          case "--max-transfers" -> o.maxTransfers = Integer.parseInt(value);
          case "--big-files" -> o.bigFiles = Integer.parseInt(value);
          case "--big-runs" -> o.bigRuns = Integer.parseInt(value);
          case "--out" -> o.out = Path.of(value);
          case "--json" -> o.json = Path.of(value);
          case "--note" -> o.note = value;
          default -> throw new IllegalArgumentException("unknown option " + arg);
        }
      }
      if (o.url == null) {
        throw new IllegalArgumentException("--url http://127.0.0.1:PORT is required");
      }
      URI uri = URI.create(o.url);
      if (!"127.0.0.1".equals(uri.getHost()) && !"localhost".equals(uri.getHost())) {
        throw new IllegalArgumentException("the benchmark only targets 127.0.0.1, not " + uri.getHost());
      }
      if (o.concurrency < 1 || o.seconds < 1 || o.bigRuns < 1 || o.bigFiles < 1 || o.bigFiles > 10_000) {
        throw new IllegalArgumentException("--concurrency, --seconds and --big-runs must be at least 1, --big-files 1..10000");
      }
      return o;
    }
  }
}
