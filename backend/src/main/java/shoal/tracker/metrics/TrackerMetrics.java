package shoal.tracker.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.ToDoubleFunction;
import shoal.tracker.registry.NetworkFigures;
import shoal.tracker.registry.ReadModel;

/**
 * Shoal's own Prometheus series on the tracker, beside the JVM and Vert.x ones.
 *
 * <p>Two kinds, which sum differently when several trackers share one database. The gauges
 * ({@code shoal_peers}, {@code shoal_files}, {@code shoal_holdings}, {@code shoal_active_transfers})
 * are the network's: every tracker reads them from its read model of the shared registry, so all
 * of them show the same figures (take one, or the max). The counters are this tracker's: each
 * counts what happened in its own requests and sweeps, so the network's figure is their sum over
 * the trackers ({@code sum(rate(shoal_bytes_moved_total[1m]))}).
 *
 * <p>Micrometer's counters are safe from any thread, so every HTTP verticle and sweep of the
 * tracker counts into the one instance.
 */
public final class TrackerMetrics {

  /** A transfer's end, as {@code shoal_transfers_ended_total}'s {@code outcome} label names it. */
  public enum Outcome { COMPLETED, FAILED, ABANDONED }

  private final Counter completed;
  private final Counter failed;
  private final Counter abandoned;
  private final Counter bytesMoved;
  private final Counter notAvailable;
  private final Counter wholeSources;
  private final Counter partialSources;

  private TrackerMetrics(MeterRegistry registry) {
    completed = ended(registry, "completed");
    failed = ended(registry, "failed");
    abandoned = ended(registry, "abandoned");
    // No base unit: Micrometer would append "_bytes" to a name that already says so.
    bytesMoved = Counter.builder("shoal.bytes.moved")
        .description("Bytes moved between peers, as downloaders reported them to this tracker (progress and completions)")
        .register(registry);
    notAvailable = Counter.builder("shoal.not.available")
        .description("Answers 404 not_available this tracker gave: transfer starts and file lookups no live peer could serve")
        .register(registry);
    wholeSources = chosen(registry, "whole");
    partialSources = chosen(registry, "partial");
  }

  /**
   * Registers the tracker's series in {@code registry}: the counters, and the network gauges read
   * from {@code model} (NaN while the model is not current, so a scrape never shows a stale or
   * half-loaded count as the network's).
   */
  public static TrackerMetrics register(MeterRegistry registry, ReadModel model) {
    NetworkGauges figures = new NetworkGauges(model);
    gauge(registry, "shoal.peers", "Live peers in the network", figures, NetworkFigures::peers);
    gauge(registry, "shoal.files", "Distinct files at least one live peer holds whole", figures, NetworkFigures::files);
    gauge(registry, "shoal.holdings", "Files held whole by live peers, counted once per holder", figures,
        NetworkFigures::holdings);
    gauge(registry, "shoal.active.transfers", "Transfers under way from live sources", figures,
        NetworkFigures::activeTransfers);
    return new TrackerMetrics(registry);
  }

  public void transferEnded(Outcome outcome, long count) {
    switch (outcome) {
      case COMPLETED -> completed.increment(count);
      case FAILED -> failed.increment(count);
      case ABANDONED -> abandoned.increment(count);
    }
  }

  public void bytesMoved(long bytes) {
    if (bytes > 0) {
      bytesMoved.increment(bytes);
    }
  }

  public void notAvailable() {
    notAvailable.increment();
  }

  /** The balancer gave a downloader a source: one holding the file whole, or a {@code partial} holder. */
  public void sourceChosen(boolean partial) {
    (partial ? partialSources : wholeSources).increment();
  }

  /** One description for every label value: Prometheus has one HELP line per series name. */
  private static Counter ended(MeterRegistry registry, String outcome) {
    return Counter.builder("shoal.transfers.ended")
        .description("Transfers that ended at this tracker, by outcome: completed or failed by the downloader's report, "
            + "abandoned when its source or downloader left or expired")
        .tag("outcome", outcome)
        .register(registry);
  }

  private static Counter chosen(MeterRegistry registry, String source) {
    return Counter.builder("shoal.balancer.choices")
        .description("Sources this tracker's least-loaded balancer chose for downloaders, by kind: whole or partial holder")
        .tag("source", source)
        .register(registry);
  }

  private static void gauge(MeterRegistry registry, String name, String help, NetworkGauges figures,
      ToDoubleFunction<NetworkFigures> figure) {
    Gauge.builder(name, figures, gauges -> gauges.read(figure)).description(help).strongReference(true).register(registry);
  }
}
