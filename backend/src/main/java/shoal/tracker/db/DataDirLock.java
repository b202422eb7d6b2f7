package shoal.tracker.db;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Proof that this process owns an embedded database directory: an OS lock on {@code <dir>.lock},
 * held for the owner's whole life. The kernel drops it when the process dies, however it dies
 * ({@code kill -9}, OOM killer), so a lock that can be taken means no live owner — and a
 * PostgreSQL still running on the directory is an orphan. It sits beside the directory, not in
 * it, because {@code initdb} wants an empty directory.
 */
final class DataDirLock implements AutoCloseable {

  private final Path file;
  private final FileChannel channel;
  private final FileLock lock;

  private DataDirLock(Path file, FileChannel channel, FileLock lock) {
    this.file = file;
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the lock of {@code dataDir}, or fails at once with a sentence when another process (or
   * another database in this one) holds it.
   */
  static DataDirLock acquire(Path dataDir) {
    Path file = dataDir.resolveSibling(dataDir.getFileName() + ".lock");
    FileChannel channel = null;
    try {
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = channel.tryLock();
      if (lock == null) {
        throw inUse(dataDir, file);
      }
      return new DataDirLock(file, channel, lock);
    } catch (OverlappingFileLockException e) {
      closeQuietly(channel);
      throw inUse(dataDir, file);
    } catch (IOException e) {
      closeQuietly(channel);
      throw new UncheckedIOException("cannot lock " + file + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  Path file() {
    return file;
  }

  @Override
  public void close() {
    try {
      lock.release();
    } catch (IOException e) {
      // closing the channel below releases it anyway
    }
    closeQuietly(channel);
  }

  private static IllegalStateException inUse(Path dataDir, Path file) {
    return new IllegalStateException("another tracker is running on " + dataDir.toAbsolutePath()
        + " (it holds " + file.toAbsolutePath() + "); stop it first, or give this one another --data-dir");
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        // nothing more to release
      }
    }
  }
}
