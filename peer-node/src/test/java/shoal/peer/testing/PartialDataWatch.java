package shoal.peer.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Samples, every few milliseconds, how many bytes of unverified downloads a share holds (the
 * {@code .part} files of its {@code .shoal/partial} folder), and keeps the largest figure seen: what a lying source could
 * make a downloader's disk hold.
 */
public final class PartialDataWatch implements AutoCloseable {

  private final Path partialDir;
  private final Thread sampler;
  private volatile long most;

  public PartialDataWatch(Path share) {
    this.partialDir = share.resolve(".shoal").resolve("partial");
    this.sampler = new Thread(this::sample, "partial-data-watch");
    sampler.setDaemon(true);
    sampler.start();
  }

  /** The largest number of partial bytes seen so far. */
  public long most() {
    return Math.max(most, bytesNow());
  }

  private void sample() {
    while (!Thread.currentThread().isInterrupted()) {
      most = Math.max(most, bytesNow());
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private long bytesNow() {
    if (!Files.isDirectory(partialDir)) {
      return 0;
    }
    try (Stream<Path> files = Files.list(partialDir)) {
      return files.filter(file -> file.getFileName().toString().endsWith(".part")).mapToLong(file -> {
        try {
          return Files.size(file);
        } catch (IOException e) {
          return 0; // removed between the listing and the look
        }
      }).sum();
    } catch (IOException e) {
      return 0; // the folder was removed between the two looks
    }
  }

  @Override
  public void close() {
    sampler.interrupt();
  }
}
