package shoal.peer.serve;

/**
 * Counts uploads in progress and refuses one beyond {@code --max-uploads}. Taken and given back on
 * the files verticle's context only: it is deployed as one instance, so all its requests and their
 * ends arrive on one event loop, and the count needs no atomic. The control port (status) reads it
 * on another thread, through a copy published on each change.
 */
public final class UploadSlots {

  private final int max;
  private int active;
  /** {@link #active}, for readers on other threads. */
  private volatile int published;

  public UploadSlots(int max) {
    this.max = max;
  }

  /** Takes a slot, or answers false when all are taken. On the files verticle's context. */
  public boolean tryAcquire() {
    if (active >= max) {
      return false;
    }
    set(active + 1);
    return true;
  }

  /** Gives a slot back. On the files verticle's context. */
  public void release() {
    set(active - 1);
  }

  /** Uploads in progress, as last published; from any thread. */
  public int active() {
    return published;
  }

  private void set(int now) {
    active = now;
    published = now;
  }
}
