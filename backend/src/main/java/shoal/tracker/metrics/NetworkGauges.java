package shoal.tracker.metrics;

import java.util.function.ToDoubleFunction;
import shoal.tracker.registry.NetworkFigures;
import shoal.tracker.registry.ReadModel;

/**
 * The network gauges' figures, counted from the read model at most once a second: a scrape reads
 * four gauges, and each count walks every file the model holds, so they share one walk.
 */
final class NetworkGauges {

  private static final long FRESH_NANOS = 1_000_000_000L;

  private final ReadModel model;
  /** The last count and when it was taken; replaced whole, read from any scraping thread. */
  private volatile Counted last;

  NetworkGauges(ReadModel model) {
    this.model = model;
  }

  /** {@code figure} of the current figures; NaN while the model is not current. */
  double read(ToDoubleFunction<NetworkFigures> figure) {
    long now = System.nanoTime();
    Counted counted = last;
    if (counted == null || now - counted.at() > FRESH_NANOS) {
      counted = new Counted(model.figures(), now);
      last = counted;
    }
    return counted.figures() == null ? Double.NaN : figure.applyAsDouble(counted.figures());
  }

  private record Counted(NetworkFigures figures, long at) {}
}
