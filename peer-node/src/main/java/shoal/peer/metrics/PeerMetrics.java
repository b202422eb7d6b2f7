package shoal.peer.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import shoal.common.transfer.FailureReason;

/**
 * One peer node's own Prometheus series, {@code shoal_peer_…}, served at {@code GET /metrics} on
 * its files port: what it uploaded and downloaded, what runs now, what it refused, and what it
 * found wrong with its sources. A registry of its own per node, so several nodes in one JVM (the
 * tests, the demo) each count only their own.
 *
 * <p>Counted where each event happens: the files verticle's context, the node's context, the
 * disk threads' hand-backs. Micrometer's counters are safe from any thread, and so is the one
 * gauge kept here, an {@link AtomicInteger}: the scrape reads it from the files verticle.
 */
public final class PeerMetrics {

  /** What a verification failure threw away: one piece, or a whole file assembled from its source(s). */
  public enum Rejected { PIECE, FILE }

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Counter uploaded = Counter.builder("shoal.peer.uploaded")
      .description("File bytes this peer sent to downloaders, counted as each response body is sent in full")
      .baseUnit("bytes")
      .register(registry);
  private final Counter downloaded = Counter.builder("shoal.peer.downloaded")
      .description("File bytes this peer received from its sources, before verification")
      .baseUnit("bytes")
      .register(registry);
  private final Counter refusals = Counter.builder("shoal.peer.upload.refusals")
      .description("Downloads this peer turned away with 503 busy because every upload slot (--max-uploads) was taken")
      .register(registry);
  private final Counter piecesRejected = verificationFailures("piece");
  private final Counter filesRejected = verificationFailures("file");
  private final AtomicInteger downloads = new AtomicInteger();

  public PeerMetrics() {
    Gauge.builder("shoal.peer.active.downloads", downloads, AtomicInteger::get)
        .description("Downloads this peer is running (neither done, failed nor cancelled)")
        .register(registry);
    // Every reason shows from the start, at 0, so that rates over them need no series to appear first.
    for (FailureReason reason : FailureReason.values()) {
      if (reason.blamesSource()) {
        blamed(reason);
      }
    }
  }

  /** Shows {@code active}, read at each scrape, as the node's uploads in progress. */
  public void watchUploads(IntSupplier active) {
    Gauge.builder("shoal.peer.active.uploads", active, IntSupplier::getAsInt)
        .description("Uploads this peer is serving now")
        .strongReference(true)
        .register(registry);
  }

  public void uploaded(long bytes) {
    uploaded.increment(bytes);
  }

  public void uploadRefused() {
    refusals.increment();
  }

  public void downloaded(long bytes) {
    downloaded.increment(bytes);
  }

  public void downloadStarted() {
    downloads.incrementAndGet();
  }

  public void downloadEnded() {
    downloads.decrementAndGet();
  }

  /** Received data failed its SHA-256 check and was thrown away. */
  public void rejected(Rejected what) {
    (what == Rejected.PIECE ? piecesRejected : filesRejected).increment();
  }

  /** A source was reported to the tracker as at fault, for {@code reason} (one that {@linkplain FailureReason#blamesSource blames it}). */
  public void sourceBlamed(FailureReason reason) {
    blamed(reason).increment();
  }

  /** The counter for {@code reason}; Micrometer answers the one registered already. */
  private Counter blamed(FailureReason reason) {
    return Counter.builder("shoal.peer.blamed.sources")
        .description("Sources this peer reported to the tracker as at fault, by reason (corrupt, too_slow, stalled, ...)")
        .tag("reason", reason.code())
        .register(registry);
  }

  /** The Prometheus text exposition of every series above. */
  public String scrape() {
    return registry.scrape();
  }

  private Counter verificationFailures(String what) {
    return Counter.builder("shoal.peer.verification.failures")
        .description("Received data that did not match its SHA-256 and was thrown away: single pieces, or whole files")
        .tag("what", what)
        .register(registry);
  }
}
