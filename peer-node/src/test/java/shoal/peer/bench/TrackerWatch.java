package shoal.peer.bench;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Asks the tracker for its health and its stats four times a second for the whole run and keeps
 * every 5xx answer with its time, so that the checks can tell a 503 during a database outage
 * from a fault of the tracker's own. A refused connection (the tracker killed) is not an answer.
 */
final class TrackerWatch implements AutoCloseable {

  /** One 5xx answer. */
  record ServerError(long atMillis, String path, int status) {}

  private final ChaosNetwork network;
  private final List<ServerError> errors = new CopyOnWriteArrayList<>();
  private final Thread poller = new Thread(this::poll, "chaos-tracker-watch");
  private volatile int answers;

  TrackerWatch(ChaosNetwork network) {
    this.network = network;
    poller.setDaemon(true);
  }

  void start() {
    poller.start();
  }

  List<ServerError> errors() {
    return List.copyOf(errors);
  }

  int answers() {
    return answers;
  }

  private void poll() {
    while (!Thread.currentThread().isInterrupted()) {
      for (String path : List.of("/health", "/api/v1/stats", "/api/v1/peers")) {
        int status = network.get(network.trackerUrl() + path, null).status();
        if (status != 0) {
          answers++;
        }
        if (status >= 500) {
          errors.add(new ServerError(System.currentTimeMillis(), path, status));
        }
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  @Override
  public void close() {
    poller.interrupt();
  }
}
