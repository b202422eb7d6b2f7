package shoal.tracker.db;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL server process running on a data directory, as its {@code postmaster.pid} names
 * it: the first line is its PID, the second the directory it serves.
 */
final class Postmaster {

  private static final Logger LOG = LoggerFactory.getLogger(Postmaster.class);
  /** A fast shutdown checkpoints and exits in well under a second on a registry-sized cluster. */
  private static final long STOP_WAIT_SECONDS = 30;

  private final ProcessHandle process;

  private Postmaster(ProcessHandle process) {
    this.process = process;
  }

  long pid() {
    return process.pid();
  }

  /**
   * The live postmaster of {@code dataDir}, if any. A {@code postmaster.pid} whose PID is gone, or
   * now belongs to another program (after a reboot), names nobody.
   */
  static Optional<Postmaster> runningOn(Path dataDir) {
    List<String> lines;
    try {
      lines = Files.readAllLines(dataDir.resolve("postmaster.pid"), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + dataDir.resolve("postmaster.pid") + ": " + e.getMessage(), e);
    }
    if (lines.size() < 2) {
      return Optional.empty();
    }
    long pid;
    try {
      pid = Long.parseLong(lines.get(0).trim());
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    return ProcessHandle.of(pid)
        .filter(ProcessHandle::isAlive)
        .filter(process -> process.info().command().map(command -> command.endsWith("/postgres")).orElse(false))
        .filter(process -> sameDirectory(Path.of(lines.get(1).trim()), dataDir))
        .map(Postmaster::new);
  }

  /**
   * Fast shutdown, as {@code pg_ctl stop -m fast} does it: SIGINT to the postmaster, which ends
   * its sessions, writes a checkpoint and exits. Nothing committed is lost. Waits for the exit.
   */
  void stop() {
    LOG.info("stopping the PostgreSQL (PID {}) that a previous tracker left running", pid());
    try {
      Process kill = new ProcessBuilder("kill", "-INT", Long.toString(pid()))
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      kill.waitFor(10, TimeUnit.SECONDS);
      process.onExit().get(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot signal PostgreSQL (PID " + pid() + "): " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while stopping PostgreSQL (PID " + pid() + ")", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the PostgreSQL (PID " + pid() + ") a previous tracker left running did not stop within "
          + STOP_WAIT_SECONDS + " s; stop it by hand", e);
    }
  }

  private static boolean sameDirectory(Path served, Path dataDir) {
    try {
      return Files.isSameFile(served, dataDir);
    } catch (IOException e) {
      return false;
    }
  }
}
