package shoal.peer.share;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import shoal.common.files.SafeFileName;

/**
 * Keeps the {@link ShareIndex} in step with the share folder: walks it (symbolic links, hidden and
 * temporary files are left out), hashes what the {@link HashCache} does not know, and installs the
 * result. A file is listed under its name made safe by {@link SafeFileName} (the tracker refuses
 * any other, and every downloader would save it under that name), its path left as it is. Runs on one worker thread of its own, once a second while watching; polling is used
 * rather than a WatchService because it needs no registration per folder and sees every change
 * a recursive tree can have.
 */
public final class ShareScanner {

  private static final Logger LOG = LoggerFactory.getLogger(ShareScanner.class);
  private static final List<String> TEMPORARY_SUFFIXES =
      List.of("~", ".tmp", ".temp", ".part", ".partial", ".crdownload", ".download", ".swp");

  private final Vertx vertx;
  private final Path root;
  private final ShareIndex index;
  private final HashCache cache;
  private final WorkerExecutor worker;
  private Future<Void> queued;
  private long timerId = -1;

  public ShareScanner(Vertx vertx, Path root, ShareIndex index, HashCache cache) {
    this.vertx = vertx;
    this.root = root.toAbsolutePath().normalize();
    this.index = index;
    this.cache = cache;
    this.worker = vertx.createSharedWorkerExecutor("shoal-share-scanner-" + System.identityHashCode(this), 1);
  }

  /** Whether a file of this name is left out of the share: hidden or an unfinished download. */
  public static boolean isSkipped(String fileName) {
    String lower = fileName.toLowerCase(Locale.ROOT);
    return fileName.startsWith(".") || TEMPORARY_SUFFIXES.stream().anyMatch(lower::endsWith);
  }

  /**
   * Scans the folder; the future completes once a scan that began after this call has installed
   * its listing. Calls made while a scan waits to start share it.
   */
  public synchronized Future<Void> scan() {
    if (queued != null) {
      return queued;
    }
    Promise<Void> done = Promise.promise();
    queued = done.future();
    worker.<Void>executeBlocking(() -> {
      synchronized (this) {
        queued = null;
      }
      scanOnce();
      return null;
    }, true).onComplete(done);
    return done.future();
  }

  /** Rescans every {@code interval} until {@link #stop()}. */
  public synchronized void watch(Duration interval) {
    timerId = vertx.setPeriodic(interval.toMillis(), id -> scan()
        .onFailure(e -> LOG.warn("scanning {} failed: {}", root, e.getMessage())));
  }

  public synchronized void stop() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
      timerId = -1;
    }
    worker.close();
  }

  /** Remembers the hash of a file this node has just verified, so the next scan need not read it. */
  public void adopt(Path file, String sha256) throws IOException {
    BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
    cache.put(file.toAbsolutePath().normalize(), attributes.size(), attributes.lastModifiedTime().toMillis(), sha256);
  }

  private void scanOnce() throws IOException {
    List<SharedFile> files = new ArrayList<>();
    Set<Path> present = new HashSet<>();
    Files.createDirectories(root);
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
        return !dir.equals(root) && isSkipped(dir.getFileName().toString())
            ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
        if (attributes.isRegularFile() && !isSkipped(file.getFileName().toString())) {
          long size = attributes.size();
          long modified = attributes.lastModifiedTime().toMillis();
          String sha256 = cache.get(file, size, modified);
          try {
            if (sha256 == null) {
              sha256 = Sha256.ofFile(file);
              cache.put(file, size, modified, sha256);
            }
            files.add(new SharedFile(sha256, SafeFileName.sanitize(file.getFileName().toString(), sha256), size, file, modified));
            present.add(file);
          } catch (IOException e) {
            LOG.debug("skipping {}: {}", file, e.getMessage());
          }
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) {
        LOG.debug("skipping {}: {}", file, e.getMessage());
        return FileVisitResult.CONTINUE;
      }
    });
    index.replace(files);
    cache.retainOnly(present);
    cache.save();
  }
}
