package shoal.common.http;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many connections a server keeps open at once, counted across all its verticle instances.
 * Vert.x hands a shared port's connections to its instances as it sees fit (often all to one),
 * so a per-instance share of the cap would refuse connections while other instances sit idle;
 * hence one counter, and the only state here touched from several event loops (lock-free).
 */
public final class ConnectionCap {

  private final int max;
  private final AtomicInteger open = new AtomicInteger();

  public ConnectionCap(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("at least one connection must be allowed, not " + max);
    }
    this.max = max;
  }

  /** Counts one more connection, or answers false when the cap is reached. */
  boolean tryOpen() {
    while (true) {
      int now = open.get();
      if (now >= max) {
        return false;
      }
      if (open.compareAndSet(now, now + 1)) {
        return true;
      }
    }
  }

  void closed() {
    open.decrementAndGet();
  }

  public int max() {
    return max;
  }
}
