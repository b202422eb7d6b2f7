package shoal.peer.testing;

import java.time.Duration;

/** Polls an assertion until it holds or a deadline passes: no sleeping for a guessed time. */
public final class Eventually {

  /** An assertion that may throw. */
  @FunctionalInterface
  public interface Check {
    void run() throws Exception;
  }

  private Eventually() {}

  public static void within(Duration timeout, Check check) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        check.run();
        return;
      } catch (AssertionError | Exception e) {
        if (System.nanoTime() > deadline) {
          throw e instanceof AssertionError assertion ? assertion
              : new AssertionError("still failing after " + timeout.toMillis() + " ms", e);
        }
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
  }
}
