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
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Load generator for the tracker's registry. It seeds a running tracker with many peers holding
 * overlapping files, then measures, with a fixed number of requests in flight (closed loop), the
 * rate and p50/p99 latency of file lookups, transfer creations, searches and transfer
 * completions, and the time to register (and remove) one peer with 10 000 files.
 *
 * <p>Every row is a ratio to {@code GET /health} (one trivial PostgreSQL round trip through the
 * same HTTP stack) measured with the same client and concurrency, interleaved with the row: the
 * row runs in slices and each slice is followed by a slice of {@code /health}, so that other load
 * on the machine, which comes and goes, weighs on both sides of the ratio alike.
 *
 * <p>Not a test (surefire does not run it): {@code bench/tracker-registry.sh} starts a tracker and
 * runs it. Every phase is bounded in requests and in time and stops by itself. It only talks to
 * the URL it is given, which must be on 127.0.0.1.
 *
 * <pre>
 * java -cp ... shoal.tracker.bench.RegistryBenchmark --url http://127.0.0.1:PORT [--quick]
 *     [--peers 10000] [--files-per-peer 100] [--holders 10] [--concurrency 32]
 *     [--seconds 16] [--slices 4] [--reference-ms 1500] [--warmup-seconds 10] [--settle-seconds 30]
 *     [--list-requests 10] [--big-files 10000] [--big-runs 5] [--max-transfers 100000]
 *     [--tracker-pid PID] [--postgres-pid PID] [--out results.md] [--json results.json]
 *     [--note TEXT] [--seed-only]
 * </pre>
 */
public final class RegistryBenchmark {

  private static final long REQUEST_TIMEOUT_MS = 60_000;
  /** A slice is cut short once this many requests have failed, and more failed than succeeded. */
  private static final int MAX_ERRORS = 200;
  private static final long WARMUP_SLICE_MS = 2_000;
  private static final long UNBOUNDED = 10_000_000;

  private final Options options;
  private final Vertx vertx;
  private final WebClient client;
  private final Context context;
  private final String host;
  private final int port;
  private final CpuMeter cpu;
  private final SplittableRandom random = new SplittableRandom(20240611L);

  private Dataset data;
  private String[] tokens;
  private final List<Row> rows = new ArrayList<>();
  private final Row pooledHealth;
  private final Row pooledHealthOne;
  private final Map<String, Object> facts = new LinkedHashMap<>();

  private RegistryBenchmark(Options options) {
    this.options = options;
    URI uri = URI.create(options.url);
    this.host = uri.getHost();
    this.port = uri.getPort();
    this.cpu = new CpuMeter(options.trackerPid, options.postgresPid);
    this.pooledHealth = new Row("GET /health (every reference slice pooled)", options.concurrency);
    this.pooledHealthOne = new Row("GET /health, 1 in flight (every reference slice pooled)", 1);
    this.vertx = Vertx.vertx();
    this.client = WebClient.create(vertx,
        new WebClientOptions().setKeepAlive(true).setPipelining(false).setTcpNoDelay(true).setUserAgent("shoal-bench"),
        new PoolOptions().setHttp1MaxSize(Math.max(options.concurrency, 1)));
    // Every measured request is sent, and its response handled, on this one event loop: the
    // recorders need no locks.
    this.context = vertx.getOrCreateContext();
  }

  public static void main(String[] args) throws Exception {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("bench: " + e.getMessage());
      System.exit(2);
      return;
    }
    RegistryBenchmark bench = new RegistryBenchmark(options);
    int exit = 0;
    try {
      bench.run();
    } catch (Exception e) {
      System.err.println("bench: failed: " + e);
      e.printStackTrace();
      exit = 1;
    } finally {
      try {
        bench.vertx.close().await(10, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        // exiting anyway
      }
    }
    System.exit(exit);
  }

  // ---- the run -----------------------------------------------------------------------------

  private void run() throws Exception {
    long t0 = System.nanoTime();
    log("building the data set: %d peers x %d files, each file held by %d peers",
        options.peers, options.filesPerPeer, options.holders);
    data = new Dataset(options.peers, options.filesPerPeer, options.holders, 42L);
    tokens = new String[data.peers];
    expectStatus(get("/health").send(), 200).await(30, TimeUnit.SECONDS);

    int n = options.concurrency;
    long sliceMs = options.seconds * 1000L / options.slices;

    // 1. Seeding, itself measured: registrations of 100 files each while the registry grows.
    int[] nextPeer = {0};
    Row seeding = measure("POST /api/v1/peers, " + options.filesPerPeer + " files (seeding, registry growing)",
        n, Math.max(sliceMs * 2, 5_000L), options.seedSeconds * 1000L, data.peers, () -> register(nextPeer[0]++));
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

    // 2. Until /health runs at a steady rate: both JVMs compile their hot paths, PostgreSQL's
    //    autovacuum digests the seeding.
    facts.put("settleSeconds", warmup("GET /health (settling after seeding)", n, options.settleSeconds * 1000L, this::health));

    // 3. Transfer creations by registered peers; they stay active until step 6, so the lookups
    //    and searches see sources with active uploads, as on a live tracker.
    List<String[]> created = new ArrayList<>();
    long warmupMs = options.warmupSeconds * 1000L;
    warmup("POST /api/v1/transfers", n, warmupMs, () -> startTransfer(created));
    measure("POST /api/v1/transfers (create)", n, sliceMs, options.seconds * 1000L,
        Math.max(options.maxTransfers - created.size(), 0), () -> startTransfer(created));
    facts.put("activeTransfersDuringLookups", created.size());

    // 4. Lookups of random existing files.
    warmup("GET /api/v1/files/{sha256}", n, warmupMs, this::lookup);
    measure("GET /api/v1/files/{sha256} (lookup, transfers above still active)", n, sliceMs, options.seconds * 1000L, UNBOUNDED, this::lookup);

    // 5. Name searches, each matching 100 files.
    warmup("GET /api/v1/files?q=", n, warmupMs, this::search);
    measure("GET /api/v1/files?q=track-NNNN (search, 100 files match)", n, sliceMs, options.seconds * 1000L, UNBOUNDED,
        this::search);

    // 6. Completing every transfer made above: the registry is back to no active transfer.
    int[] nextTransfer = {0};
    measure("POST /api/v1/transfers/{id}/complete", n, sliceMs, 60_000L, created.size(),
        () -> completeTransfer(created.get(nextTransfer[0]++)));

    // 7. Lookups again, now that no transfer is active: the difference is what the active
    //    uploads cost the lookup (each holder's load is counted from the transfers table).
    measure("GET /api/v1/files/{sha256} (lookup, no active transfer)", n, sliceMs, options.seconds * 1000L, UNBOUNDED,
        this::lookup);

    // 8. One request in flight: the whole catalogue's first page, and one peer registering
    //    10 000 files then leaving.
    warmup("GET /health, 1 in flight", 1, 4_000L, this::health);
    measure("GET /api/v1/files (no q: first page of the whole catalogue)", 1, sliceMs, options.seconds * 1000L,
        options.listRequests, this::listAll);
    bigRegistrations();

    facts.put("statsAtEnd", stats());
    facts.put("totalSeconds", (System.nanoTime() - t0) / 1e9);
    report();
  }

  /** One peer with {@code --big-files} new files registers, then leaves; one warm-up run first. */
  private void bigRegistrations() {
    Row register = new Row("POST /api/v1/peers, " + options.bigFiles + " files (one new peer, alone)", 1);
    Row leave = new Row("DELETE /api/v1/peers/{id} of that peer (" + options.bigFiles + " holdings)", 1);
    register.reference = new Row("GET /health beside " + register.name, 1);
    leave.reference = register.reference;
    for (int run = 0; run <= options.bigRuns; run++) {
      boolean warm = run == 0;
      JsonObject body = new JsonObject()
          .put("name", "bench-big-" + run)
          .put("address", "http://127.0.0.1:7999")
          .put("files", bigFiles(run));
      Buffer encoded = body.toBuffer();
      long[] cpuBefore = cpu.sample();
      long start = System.nanoTime();
      HttpResponse<Buffer> response = post("/api/v1/peers")
          .putHeader("Content-Type", "application/json").sendBuffer(encoded).await();
      long took = System.nanoTime() - start;
      long[] cpuMiddle = cpu.sample();
      if (response.statusCode() != 201) {
        throw new IllegalStateException("registering a peer with " + options.bigFiles + " files answered "
            + response.statusCode() + ": " + response.bodyAsString());
      }
      JsonObject registration = response.bodyAsJsonObject();
      long leaveStart = System.nanoTime();
      HttpResponse<Buffer> left = request(HttpMethod.DELETE, "/api/v1/peers/" + registration.getString("peerId"))
          .putHeader("Authorization", "Bearer " + registration.getString("token")).send().await();
      long leaveTook = System.nanoTime() - leaveStart;
      long[] cpuAfter = cpu.sample();
      if (left.statusCode() != 204) {
        throw new IllegalStateException("the big peer's DELETE answered " + left.statusCode() + ": " + left.bodyAsString());
      }
      log("  %s %d: register %.0f ms (%,d bytes of JSON), leave %.0f ms", warm ? "warm-up" : "run", run,
          took / 1e6, encoded.length(), leaveTook / 1e6);
      if (!warm) {
        Row one = new Row("", 1);
        one.record(took);
        one.elapsedNs = took;
        one.addCpu(cpuBefore, cpuMiddle);
        register.add(one);
        Row other = new Row("", 1);
        other.record(leaveTook);
        other.elapsedNs = leaveTook;
        other.addCpu(cpuMiddle, cpuAfter);
        leave.add(other);
        reference(register.reference, 1, Math.max(options.referenceMs / 2, 500L));
      }
    }
    rows.add(register);
    rows.add(leave);
    logRow(register);
    logRow(leave);
  }

  private JsonArray bigFiles(int run) {
    JsonArray files = new JsonArray();
    for (int i = 0; i < options.bigFiles; i++) {
      files.add(new JsonObject()
          .put("sha256", Dataset.sha256Hex("shoal-bench-big-" + run + "-" + i))
          .put("name", String.format(Locale.ROOT, "library-%d episode-%05d.mkv", run, i))
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
      tokens[p] = response.bodyAsJsonObject().getString("token");
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

  /** {@code track-NNNN} matches the 100 files {@code track-NNNN00} to {@code track-NNNN99}. */
  private Future<?> search() {
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

  /** One lookup, checked in full: the tracker serves the data set. */
  private void checkLookup() {
    HttpResponse<Buffer> response = get("/api/v1/files/" + data.sha[0]).send().await();
    if (response.statusCode() != 200
        || response.bodyAsJsonObject().getJsonArray("holders").size() != data.holdersPerFile) {
      throw new IllegalStateException("the lookup of file 0 answered " + response.statusCode() + ": " + response.bodyAsString());
    }
  }

  private JsonObject stats() {
    return expectStatus(get("/api/v1/stats").send(), 200).await().bodyAsJsonObject();
  }

  // ---- HTTP --------------------------------------------------------------------------------

  private HttpRequest<Buffer> request(HttpMethod method, String uri) {
    // idleTimeout, not timeout: the latter also arms a connection-pool timer that Vert.x 5.0.7 can fire
    // after the connection was handed over ("Promise already completed", logged, harmless).
    return client.request(method, port, host, uri).idleTimeout(REQUEST_TIMEOUT_MS);
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

  // ---- measuring ---------------------------------------------------------------------------

  /**
   * Runs {@code operation} in slices of {@value #WARMUP_SLICE_MS} ms until two slices in a row
   * agree within 10 % (at least two slices), or {@code maxMs} is spent.
   *
   * @return the seconds it took
   */
  private double warmup(String what, int concurrency, long maxMs, Supplier<Future<?>> operation) {
    long start = System.nanoTime();
    double previous = -1;
    int slices = 0;
    while ((System.nanoTime() - start) / 1_000_000L + WARMUP_SLICE_MS / 2 <= maxMs) {
      Row slice = drive(new Row(what, concurrency), WARMUP_SLICE_MS, UNBOUNDED, operation);
      slices++;
      log("  warm-up %-45s slice %2d: %7d ok, %4d errors, %8.0f req/s", what, slices, slice.ok, slice.errors, slice.rate());
      boolean steady = previous > 0 && Math.abs(slice.rate() - previous) <= 0.10 * previous;
      previous = slice.rate();
      if (steady) {
        break;
      }
    }
    return (System.nanoTime() - start) / 1e9;
  }

  /**
   * A row of the table: {@code operation} in slices of {@code sliceMs}, each followed by a slice
   * of {@code GET /health} at the same concurrency, until {@code totalMs} of the operation or
   * {@code maxRequests} requests.
   */
  private Row measure(String what, int concurrency, long sliceMs, long totalMs, long maxRequests,
      Supplier<Future<?>> operation) {
    Row row = new Row(what, concurrency);
    row.reference = new Row("GET /health beside " + what, concurrency);
    while (row.elapsedNs < totalMs * 1_000_000L && row.sent() < maxRequests) {
      long remainingMs = totalMs - row.elapsedNs / 1_000_000L;
      row.add(drive(new Row(what, concurrency), Math.min(sliceMs, Math.max(remainingMs, 1L)), maxRequests - row.sent(), operation));
      reference(row.reference, concurrency, options.referenceMs);
      if (row.errors >= MAX_ERRORS && row.errors > row.ok) {
        break;
      }
    }
    rows.add(row);
    logRow(row);
    return row;
  }

  private void reference(Row into, int concurrency, long ms) {
    Row slice = drive(new Row("GET /health", concurrency), ms, UNBOUNDED, this::health);
    into.add(slice);
    (concurrency == 1 ? pooledHealthOne : pooledHealth).add(slice);
  }

  private void logRow(Row row) {
    log("%-64s %7d ok %4d errors %8.1f req/s  p50 %8.2f ms  p99 %8.2f ms  (%.1f s)  /health beside it %7.0f req/s  ratio %.4f%s",
        row.name, row.ok, row.errors, row.rate(), row.percentileMs(0.50), row.percentileMs(0.99), row.elapsedNs / 1e9,
        row.reference.rate(), row.ratio(), row.errorKinds.isEmpty() ? "" : "  " + row.errorKinds);
  }

  /**
   * Keeps {@code row.concurrency} requests in flight until {@code durationMs} has passed or
   * {@code maxRequests} have been sent, whichever comes first.
   */
  private Row drive(Row row, long durationMs, long maxRequests, Supplier<Future<?>> operation) {
    Promise<Row> done = Promise.promise();
    long[] cpuBefore = cpu.sample();
    context.runOnContext(v -> new Loop(row, durationMs, maxRequests, operation, done).start());
    try {
      // The loop stops by itself at its deadline; this only guards against a lost response.
      done.future().await(durationMs + 2 * REQUEST_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException(row.name + " did not finish", e);
    }
    row.addCpu(cpuBefore, cpu.sample());
    return row;
  }

  private final class Loop {
    private final Row row;
    private final long durationNs;
    private final long maxRequests;
    private final Supplier<Future<?>> operation;
    private final Promise<Row> done;
    private long sent;
    private int running;
    private long start;
    private long deadline;

    Loop(Row row, long durationMs, long maxRequests, Supplier<Future<?>> operation, Promise<Row> done) {
      this.row = row;
      this.durationNs = durationMs * 1_000_000L;
      this.maxRequests = maxRequests;
      this.operation = operation;
      this.done = done;
    }

    void start() {
      start = System.nanoTime();
      deadline = start + durationNs;
      running = (int) Math.min(row.concurrency, Math.max(maxRequests, 0));
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
          row.elapsedNs += now - start;
          done.complete(row);
        }
        return;
      }
      sent++;
      Future<?> call;
      try {
        call = operation.get();
      } catch (RuntimeException e) {
        call = Future.failedFuture(e);
      }
      call.onComplete(ok -> {
        row.record(System.nanoTime() - now);
        next();
      }, failure -> {
        row.error(failure);
        // Asynchronously, so that a run of immediate failures cannot grow the stack.
        context.runOnContext(v -> next());
      });
    }
  }

  /** CPU time, in clock ticks, of this process and of the tracker and its PostgreSQL (when known). */
  private static final class CpuMeter {
    private final long trackerPid;
    private final long postgresPid;

    CpuMeter(long trackerPid, long postgresPid) {
      this.trackerPid = trackerPid;
      this.postgresPid = postgresPid;
    }

    boolean knowsServer() {
      return trackerPid > 0;
    }

    /** {client ticks, tracker + PostgreSQL ticks}. */
    long[] sample() {
      long server = 0;
      if (trackerPid > 0) {
        server += ticks(trackerPid);
      }
      if (postgresPid > 0) {
        server += ticks(postgresPid);
        // PostgreSQL's backends, background workers and autovacuum: short-lived ones that end
        // between two samples are missed.
        server += ProcessHandle.of(postgresPid).stream()
            .flatMap(ProcessHandle::descendants).mapToLong(child -> ticks(child.pid())).sum();
      }
      return new long[] {ticks(ProcessHandle.current().pid()), server};
    }

    private static long ticks(long pid) {
      try {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime + stime
      } catch (IOException | RuntimeException e) {
        return 0;
      }
    }
  }

  // ---- results -----------------------------------------------------------------------------

  /** One line of the table, or one slice of it: latencies in nanoseconds. */
  private static final class Row {
    final String name;
    final int concurrency;
    long[] latencies = new long[1 << 12];
    int ok;
    int errors;
    long elapsedNs;
    long clientTicks;
    long serverTicks;
    Row reference;
    final List<Double> sliceRates = new ArrayList<>();
    final Map<String, Integer> errorKinds = new TreeMap<>();
    private boolean sorted;

    Row(String name, int concurrency) {
      this.name = name;
      this.concurrency = concurrency;
    }

    long sent() {
      return (long) ok + errors;
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

    void addCpu(long[] before, long[] after) {
      clientTicks += after[0] - before[0];
      serverTicks += after[1] - before[1];
    }

    /** Adds a slice measured on its own. */
    void add(Row slice) {
      for (int i = 0; i < slice.ok; i++) {
        record(slice.latencies[i]);
      }
      errors += slice.errors;
      slice.errorKinds.forEach((kind, count) -> errorKinds.merge(kind, count, Integer::sum));
      elapsedNs += slice.elapsedNs;
      clientTicks += slice.clientTicks;
      serverTicks += slice.serverTicks;
      sliceRates.add(slice.rate());
    }

    double rate() {
      return elapsedNs == 0 ? 0 : ok / (elapsedNs / 1e9);
    }

    double ratio() {
      return reference == null || reference.rate() == 0 ? 1.0 : rate() / reference.rate();
    }

    /** CPU cores busy on average while this row ran, at 100 clock ticks a second. */
    double cores(long ticks) {
      return elapsedNs == 0 ? 0 : ticks / 100.0 / (elapsedNs / 1e9);
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

  private void report() throws IOException {
    String date = OffsetDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    JsonObject after = (JsonObject) facts.get("statsAfterSeeding");
    double minHealth = pooledHealth.sliceRates.stream().mapToDouble(Double::doubleValue).min().orElse(0);
    double maxHealth = pooledHealth.sliceRates.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    StringBuilder md = new StringBuilder();
    md.append("### Tracker registry benchmark").append(options.quick ? " (--quick)" : "").append(", ").append(date).append("\n\n");
    md.append(String.format(Locale.ROOT,
        "- **Data set**: %,d peers x %,d files = %,d holdings of %,d distinct files, each file held by exactly %d peers"
            + " (holder slot k of every file is a random permutation of the files dealt out, %d at a time, to its own"
            + " tenth of the peers); names `track-NNNNNN.flac`, all peers live (TTL longer than the run).%n",
        data.peers, data.filesPerPeer, after.getLong("holdings"), after.getLong("files"), data.holdersPerFile,
        data.filesPerPeer));
    md.append(String.format(Locale.ROOT,
        "- **Load**: closed loop, the row's `in flight` requests at all times from one Vert.x WebClient (one event loop,"
            + " keep-alive) on the same %d-core machine (%s), all on 127.0.0.1. Each row runs in %d slices of %.1f s, each"
            + " slice followed by %.1f s of `GET /health` at the same concurrency; before its first slice the row's"
            + " operation is warmed up in 2 s slices until two agree within 10%% (at most %d s). /health settled for %.0f s"
            + " after seeding.%n",
        Runtime.getRuntime().availableProcessors(), cpuModel(), options.slices, options.seconds / (double) options.slices,
        options.referenceMs / 1000.0, options.warmupSeconds, (Double) facts.get("settleSeconds")));
    md.append(String.format(Locale.ROOT,
        "- **ratio** = the row's req/s / the req/s of the /health slices interleaved with it (`/health beside`). Those"
            + " slices ranged from %.0f to %.0f req/s at %d in flight over the run: the machine is shared, compare ratios,"
            + " not raw rates.%n",
        minHealth, maxHealth, options.concurrency));
    md.append(String.format(Locale.ROOT,
        "- **Rows**: creations: a random registered peer asks for a random file it does not hold (no `exclude`); the"
            + " %,d transfers made (warm-up included) stay active through the next lookup and search rows, then are all"
            + " completed (each downloader becomes a holder), and lookups are measured again. Lookups: random existing"
            + " files (%d holders each)."
            + " Searches: `q=track-NNNN`, random NNNN, 100 files match (%,d holdings). The 1-in-flight rows compare with"
            + " /health at 1 in flight; the %,d-file registration is %d runs after a warm-up run, each a new peer with"
            + " new files, deleted right after (p50 = median, p99 = slowest run).%n",
        ((Number) facts.get("activeTransfersDuringLookups")).intValue(), data.holdersPerFile, 100 * data.holdersPerFile,
        options.bigFiles, options.bigRuns));
    if (cpu.knowsServer()) {
      md.append("- **CPU** columns: cores busy on average during the row's slices, in the load generator and in the"
          + " tracker JVM plus PostgreSQL (its long-lived processes; short-lived parallel workers are missed).\n");
    }
    if (options.note != null) {
      md.append("- ").append(options.note).append("\n");
    }
    boolean withCpu = cpu.knowsServer();
    md.append("\n| operation | in flight | requests | errors | req/s | p50 ms | p99 ms | /health beside, req/s | ratio to /health |")
        .append(withCpu ? " CPU client | CPU tracker+PG |" : "").append("\n");
    md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|").append(withCpu ? "---:|---:|" : "").append("\n");
    List<Row> table = new ArrayList<>(rows);
    table.add(pooledHealth);
    table.add(pooledHealthOne);
    for (Row row : table) {
      md.append(String.format(Locale.ROOT, "| %s | %d | %,d | %d | %s | %.2f | %.2f | %s | %s |",
          row.name, row.concurrency, row.ok, row.errors, rate(row.rate()),
          row.percentileMs(0.50), row.percentileMs(0.99),
          row.reference == null ? "—" : rate(row.reference.rate()),
          row.reference == null ? "1" : String.format(Locale.ROOT, "%.4f", row.ratio())));
      if (withCpu) {
        md.append(String.format(Locale.ROOT, " %.2f | %.2f |", row.cores(row.clientTicks), row.cores(row.serverTicks)));
      }
      md.append("\n");
    }
    md.append(String.format(Locale.ROOT, "%nWhole run, seeding included, tracker start excluded: %.0f s.%n",
        (Double) facts.get("totalSeconds")));
    System.out.print(md);
    System.out.flush();
    if (options.out != null) {
      Files.writeString(options.out, md.toString(), StandardCharsets.UTF_8);
    }
    if (options.json != null) {
      JsonArray rowsJson = new JsonArray();
      for (Row row : table) {
        rowsJson.add(new JsonObject()
            .put("operation", row.name).put("concurrency", row.concurrency).put("requests", row.ok)
            .put("errors", row.errors).put("errorKinds", new JsonObject(new LinkedHashMap<>(row.errorKinds)))
            .put("seconds", row.elapsedNs / 1e9).put("rate", row.rate())
            .put("p50Ms", row.percentileMs(0.50)).put("p99Ms", row.percentileMs(0.99))
            .put("healthBeside", row.reference == null ? null : row.reference.rate())
            .put("ratioToHealth", row.ratio())
            .put("clientCores", row.cores(row.clientTicks)).put("serverCores", row.cores(row.serverTicks))
            .put("sliceRates", new JsonArray(new ArrayList<>(row.sliceRates))));
      }
      JsonObject json = new JsonObject()
          .put("date", date).put("quick", options.quick)
          .put("peers", data.peers).put("filesPerPeer", data.filesPerPeer).put("holdersPerFile", data.holdersPerFile)
          .put("distinctFiles", data.distinctFiles).put("concurrency", options.concurrency)
          .put("seconds", options.seconds).put("slices", options.slices).put("referenceMs", options.referenceMs)
          .put("warmupSeconds", options.warmupSeconds).put("settleSecondsMax", options.settleSeconds)
          .put("cpus", Runtime.getRuntime().availableProcessors()).put("cpu", cpuModel())
          .put("note", options.note)
          .put("facts", new JsonObject(facts)).put("rows", rowsJson);
      Files.writeString(options.json, json.encodePrettily(), StandardCharsets.UTF_8);
    }
  }

  private static String rate(double rate) {
    return rate >= 100 ? String.format(Locale.ROOT, "%,.0f", rate) : String.format(Locale.ROOT, "%.2f", rate);
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
    int seconds = 16;
    int slices = 4;
    long referenceMs = 1_500;
    int warmupSeconds = 10;
    int settleSeconds = 30;
    int seedSeconds = 300;
    int maxTransfers = 100_000;
    int listRequests = 10;
    int bigFiles = 10_000;
    int bigRuns = 5;
    long trackerPid;
    long postgresPid;
    Path out;
    Path json;
    String note;

    static Options parse(String[] args) {
      Options o = new Options();
      if (Arrays.asList(args).contains("--quick")) {
        o.quick = true;
        o.peers = 1_000;
        o.seconds = 6;
        o.slices = 2;
        o.referenceMs = 1_000;
        o.warmupSeconds = 4;
        o.settleSeconds = 10;
        o.seedSeconds = 120;
        o.listRequests = 5;
        o.bigRuns = 3;
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
        try {
          switch (arg) {
            case "--url" -> o.url = value;
            case "--peers" -> o.peers = Integer.parseInt(value);
            case "--files-per-peer" -> o.filesPerPeer = Integer.parseInt(value);
            case "--holders" -> o.holders = Integer.parseInt(value);
            case "--concurrency" -> o.concurrency = Integer.parseInt(value);
            case "--seconds" -> o.seconds = Integer.parseInt(value);
            case "--slices" -> o.slices = Integer.parseInt(value);
            case "--reference-ms" -> o.referenceMs = Long.parseLong(value);
            case "--warmup-seconds" -> o.warmupSeconds = Integer.parseInt(value);
            case "--settle-seconds" -> o.settleSeconds = Integer.parseInt(value);
            case "--seed-seconds" -> o.seedSeconds = Integer.parseInt(value);
            case "--max-transfers" -> o.maxTransfers = Integer.parseInt(value);
            case "--list-requests" -> o.listRequests = Integer.parseInt(value);
            case "--big-files" -> o.bigFiles = Integer.parseInt(value);
            case "--big-runs" -> o.bigRuns = Integer.parseInt(value);
            case "--tracker-pid" -> o.trackerPid = Long.parseLong(value);
            case "--postgres-pid" -> o.postgresPid = Long.parseLong(value);
            case "--out" -> o.out = Path.of(value);
            case "--json" -> o.json = Path.of(value);
            case "--note" -> o.note = value;
            default -> throw new IllegalArgumentException("unknown option " + arg);
          }
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(arg + " takes a number, not '" + value + "'");
        }
      }
      if (o.url == null) {
        throw new IllegalArgumentException("--url http://127.0.0.1:PORT is required");
      }
      URI uri = URI.create(o.url);
      if (!"127.0.0.1".equals(uri.getHost()) || uri.getPort() <= 0) {
        throw new IllegalArgumentException("the benchmark only targets http://127.0.0.1:PORT, not " + o.url);
      }
      if (o.concurrency < 1 || o.seconds < 1 || o.slices < 1 || o.referenceMs < 100 || o.bigRuns < 1
          || o.bigFiles < 1 || o.bigFiles > 10_000 || o.peers < o.holders || o.holders < 1 || o.filesPerPeer < 1
          || o.peers / o.holders * o.filesPerPeer < 100) {
        throw new IllegalArgumentException("out of range: --concurrency, --seconds, --slices, --big-runs and --holders"
            + " take at least 1, --reference-ms at least 100, --big-files 1 to 10000, and the data set needs at least"
            + " 100 distinct files");
      }
      return o;
    }
  }
}
