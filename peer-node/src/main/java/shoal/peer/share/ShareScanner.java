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
import java.util.concurrent.Executor;
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
 *
 * <p>A file is hashed with its pieces in the same read ({@link FileHasher}), and their hashes are
 * kept in {@code .shoal/pieces} beside the hash cache ({@link PieceHashStore}). A file whose hash
 * is cached but whose pieces are not (hashed by an older version) is listed at once and its pieces
 * are hashed afterwards by {@link PieceBackfill}, so an upgrade does not delay the listing.
 */
public final class ShareScanner {

  private static final Logger LOG = LoggerFactory.getLogger(ShareScanner.class);
  private static final List<String> TEMPORARY_SUFFIXES =
      List.of("~", ".tmp", ".temp", ".part", ".partial", ".crdownload", ".download", ".swp");

  private final Vertx vertx;
  private final Path root;
  private final ShareIndex index;
  private final HashCache cache;
  private final PieceHashStore pieces;
  private final WorkerExecutor worker;
  /** Runs the pieces' digest beside the scanning thread; two threads, one each for scans and adoptions. */
  private final WorkerExecutor pieceWorker;
  private final PieceBackfill backfill;
  private boolean stopped;
  private Future<Void> queued;
  private long timerId = -1;

  public ShareScanner(Vertx vertx, Path root, ShareIndex index, HashCache cache) {
    this.vertx = vertx;
    this.root = root.toAbsolutePath().normalize();
    this.index = index;
    this.cache = cache;
    this.pieces = new PieceHashStore(this.root.resolve(".shoal").resolve("pieces"));
    String name = "shoal-share-scanner-" + System.identityHashCode(this);
    this.worker = vertx.createSharedWorkerExecutor(name, 1);
    this.pieceWorker = vertx.createSharedWorkerExecutor(name + "-pieces", 2);
    this.backfill = new PieceBackfill(vertx, index, pieces, this::isStopped);
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
    worker.executeBlocking(() -> {
      synchronized (this) {
        queued = null;
      }
      return scanOnce();
    }, true).onSuccess(backfill::hash).<Void>mapEmpty().onComplete(done);
    return done.future();
  }

  /** Rescans every {@code interval} until {@link #stop()}. */
  public synchronized void watch(Duration interval) {
    timerId = vertx.setPeriodic(interval.toMillis(), id -> scan()
        .onFailure(e -> LOG.warn("scanning {} failed: {}", root, e.getMessage())));
  }

  /** Stops watching, and any hashing in progress at its next chunk. */
  public synchronized void stop() {
    stopped = true;
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
      timerId = -1;
    }
    backfill.close();
    worker.close();
    pieceWorker.close();
  }

  private synchronized boolean isStopped() {
    return stopped;
  }

  /**
   * Remembers the hash of a file this node has just verified, and its piece hashes when the
   * download checked every piece against them, so that the next scan lists it, pieces and all,
   * without reading it. A file checked whole has its pieces hashed after that scan, in the
   * background ({@link PieceBackfill}), so that a download never waits for a second read.
   */
  public Future<Void> adopt(Path file, String sha256, PieceHashes checkedPieces) {
    return worker.executeBlocking(() -> {
      Path path = file.toAbsolutePath().normalize();
      BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
      if (checkedPieces != null && checkedPieces.count() > 1 && checkedPieces.layout().size() == attributes.size()) {
        pieces.save(sha256, checkedPieces);
        index.learnPieces(sha256, checkedPieces);
      }
      cache.put(path, attributes.size(), attributes.lastModifiedTime().toMillis(), sha256);
      return null;
    }, true);
  }

  /** Runs a task of {@link FileHasher} on the piece worker. */
  private Executor pieceHelper() {
    return task -> pieceWorker.executeBlocking(() -> {
      task.run();
      return null;
    }, false);
  }

  /** Walks the share and installs its listing; answers the listed files whose pieces are still unknown. */
  private List<SharedFile> scanOnce() throws IOException {
    List<SharedFile> piecesUnknown = new ArrayList<>();
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
            boolean piecesKnown = true;
            if (sha256 == null) {
              FileHasher.Hashed hashed = FileHasher.hashWithPieces(file, size, pieceHelper(), ShareScanner.this::isStopped);
              sha256 = hashed.sha256();
              // Pieces first: a hash in the cache then always had its pieces saved, unless saving failed.
              pieces.save(sha256, hashed.pieces());
              index.learnPieces(sha256, hashed.pieces());
              cache.put(file, size, modified, sha256);
            } else if (PieceLayout.of(size).count() > 1 && !index.knowsPieces(sha256)) {
              String cached = sha256;
              pieces.load(sha256, size).ifPresent(stored -> index.learnPieces(cached, stored));
              piecesKnown = index.knowsPieces(sha256);
            }
            SharedFile shared = new SharedFile(sha256, SafeFileName.sanitize(file.getFileName().toString(), sha256), size, file, modified);
            files.add(shared);
            present.add(file);
            if (!piecesKnown) {
              piecesUnknown.add(shared);
            }
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
    pieces.retainOnly(files.stream().map(SharedFile::sha256).collect(java.util.stream.Collectors.toSet()));
    return piecesUnknown;
  }
}
