package shoal.peer.serve;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts uploads in progress and refuses one beyond {@code --max-uploads}. Taken and given back on
 * the files verticle's context only, but read by the control port's (status) on another thread:
 * hence the atomic, not a plain field.
 */
public final class UploadSlots {

  private final int max;
  private final AtomicInteger active = new AtomicInteger();

  public UploadSlots(int max) {
    this.max = max;
  }

  /** Takes a slot, or answers false when all are taken. */
  public boolean tryAcquire() {
    while (true) {
      int now = active.get();
      if (now >= max) {
        return false;
      }
      if (active.compareAndSet(now, now + 1)) {
        return true;
      }
    }
  }

  public void release() {
    active.decrementAndGet();
  }

  public int active() {
    return active.get();
  }
}
