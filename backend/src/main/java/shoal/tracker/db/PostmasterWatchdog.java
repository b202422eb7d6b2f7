package shoal.tracker.db;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops the embedded PostgreSQL when its tracker dies without a chance to stop it ({@code kill -9},
 * the OOM killer). SIGTERM and Ctrl-C need no help: the tracker's shutdown hook stops PostgreSQL.
 *
 * <p>Why a sidecar shell: Java cannot ask the kernel to signal a child when the JVM dies
 * ({@code prctl(PR_SET_PDEATHSIG)} is out of reach), and PostgreSQL's postmaster is a daemon
 * re-parented away from the JVM by {@code pg_ctl}, so nothing tells it. A {@code /bin/sh} loop
 * costs one idle process and a {@code sleep} a second, needs nothing installed, and survives the
 * JVM because {@code kill -9} of a PID does not reach its children. It signals the postmaster's
 * PID, not the directory: a tracker restarted on the same directory meanwhile runs a new
 * postmaster with a new PID, which this one never touches. Should the sidecar die too (a power
 * cut, a whole process group killed), the next start recognises the orphan and stops it (see
 * {@link Postmaster}).
 */
final class PostmasterWatchdog implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PostmasterWatchdog.class);

  /**
   * {@code $1} the tracker's PID, {@code $2} the postmaster's. Ends quietly when the postmaster
   * stops first (a clean shutdown); SIGINT is PostgreSQL's fast shutdown, as {@code pg_ctl stop
   * -m fast} sends it. {@code kill -0} answers for the tracker until its parent (the shell,
   * systemd, a Java launcher) reaps it, which they do at once; under a parent that never reaps, the
   * next start stops the orphan instead.
   */
  private static final String SCRIPT = """
      while kill -0 "$1" 2>/dev/null; do
        kill -0 "$2" 2>/dev/null || exit 0
        sleep 1
      done
      kill -INT "$2" 2>/dev/null
      """;

  private final Process sidecar;

  private PostmasterWatchdog(Process sidecar) {
    this.sidecar = sidecar;
  }

  /** Watches this process on behalf of {@code postmaster}. */
  static PostmasterWatchdog watch(Postmaster postmaster) {
    try {
      Process sidecar = new ProcessBuilder("/bin/sh", "-c", SCRIPT, "shoal-pg-watchdog",
              Long.toString(ProcessHandle.current().pid()), Long.toString(postmaster.pid()))
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      LOG.debug("watchdog PID {} stops PostgreSQL PID {} if this tracker dies", sidecar.pid(), postmaster.pid());
      return new PostmasterWatchdog(sidecar);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the watchdog of the embedded PostgreSQL: " + e.getMessage(), e);
    }
  }

  long pid() {
    return sidecar.pid();
  }

  /** The tracker is stopping PostgreSQL itself: the watchdog is no longer needed. */
  @Override
  public void close() {
    sidecar.destroy();
  }
}
