package shoal.tracker.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real PostgreSQL server started from the binaries shipped in the jar, so that one command
 * runs a tracker. Its data lives in the given directory and survives restarts — crashes too:
 *
 * <ul>
 *   <li>The directory is owned through {@link DataDirLock} for this object's whole life, so a
 *       second tracker on it is refused while the first is alive, whatever state the first is in.
 *   <li>A PostgreSQL left running by a tracker that was killed is recognised ({@link Postmaster})
 *       once the lock shows its tracker is gone, stopped cleanly and started afresh.
 *   <li>A {@link PostmasterWatchdog} stops PostgreSQL soon after this process dies by {@code kill -9},
 *       so an orphan does not even outlive its tracker by more than a second or so.
 *   <li>It runs with {@code fsync} on: a power cut loses at most the commits of the last
 *       3 × {@link #WAL_WRITER_DELAY} (0.6 s), never the registry.
 * </ul>
 */
public final class EmbeddedDatabase implements AutoCloseable {

  /**
   * {@code synchronous_commit} stays off: a commit returns before its WAL reaches the disk, which
   * keeps heartbeats cheap. PostgreSQL's WAL writer flushes every {@code wal_writer_delay}, so an
   * operating-system crash or power cut may lose the commits of the last 3 × that, and nothing else;
   * a crash of the tracker alone loses nothing, since PostgreSQL keeps running and writes them.
   */
  static final Duration WAL_WRITER_DELAY = Duration.ofMillis(200);
  /** Crash recovery after a power cut replays WAL before PostgreSQL accepts connections. */
  private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);

  private final DataDirLock lock;
  private final EmbeddedPostgres postgres;
  private final PostmasterWatchdog watchdog;

  private EmbeddedDatabase(DataDirLock lock, EmbeddedPostgres postgres, PostmasterWatchdog watchdog) {
    this.lock = lock;
    this.postgres = postgres;
    this.watchdog = watchdog;
  }

  /**
   * Starts PostgreSQL on {@code dataDir}, creating the cluster on first use, after stopping one a
   * killed tracker left running there. Fails with a sentence when a live tracker owns it.
   *
   * @param port the port to listen on, or 0 for any free one
   */
  public static EmbeddedDatabase start(Path dataDir, int port) {
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dataDir + ": " + e.getMessage(), e);
    }
    DataDirLock lock = DataDirLock.acquire(dataDir);
    EmbeddedPostgres postgres = null;
    try {
      Postmaster.runningOn(dataDir).ifPresent(Postmaster::stop);
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
          .setDataDirectory(dataDir)
          .setCleanDataDirectory(false)
          // The tracker stops PostgreSQL itself, after its last request (Tracker.close); zonky's
          // own hook would race it. Without a clean stop, the watchdog or the next start steps in.
          .setRegisterShutdownHook(false)
          .setPGStartupWait(STARTUP_WAIT)
          .setServerConfig("max_connections", "200")
          // zonky starts PostgreSQL with -F (no fsync), made for throw-away test databases; a later
          // -c overrides it. Without fsync a power cut can leave the cluster unable to start.
          .setServerConfig("fsync", "on")
          .setServerConfig("synchronous_commit", "off")
          .setServerConfig("wal_writer_delay", WAL_WRITER_DELAY.toMillis() + "ms");
      if (port > 0) {
        builder.setPort(port);
      }
      postgres = builder.start();
      Postmaster postmaster = Postmaster.runningOn(dataDir)
          .orElseThrow(() -> new IllegalStateException("PostgreSQL started but left no postmaster.pid in " + dataDir));
      return new EmbeddedDatabase(lock, postgres, PostmasterWatchdog.watch(postmaster));
    } catch (IOException | RuntimeException e) {
      if (postgres != null) {
        closeQuietly(postgres);
      }
      lock.close();
      throw new IllegalStateException("cannot start the embedded PostgreSQL in " + dataDir + ": " + e.getMessage(), e);
    }
  }

  public DatabaseUrl url() {
    return new DatabaseUrl("127.0.0.1", postgres.getPort(), "postgres", "postgres", null);
  }

  /** Stops PostgreSQL (fast shutdown, with a checkpoint), then gives the directory up. */
  @Override
  public void close() {
    watchdog.close();
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      lock.close();
    }
  }

  private static void closeQuietly(EmbeddedPostgres postgres) {
    try {
      postgres.close();
    } catch (IOException e) {
      // the start already failed; that failure is the one to report
    }
  }
}
