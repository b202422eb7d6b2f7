package shoal.peer.share;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import shoal.peer.NodeContext;

/**
 * Keeps the {@link ShareIndex} in step with the share folder: each scan is a {@link ShareWalk} on a
 * worker thread of its own, whose outcome is installed back on the node's context; once a second
 * while watching. Polling is used rather than a WatchService because it needs no registration per
 * folder and sees every change a recursive tree can have.
 *
 * <p>Its state (the {@link HashCache}, the scan waiting to start, the timer) lives on the node's
 * context ({@link NodeContext}), and scans and adoptions run there one after another, so neither
 * loses the other's hashes. A file is hashed with its pieces in the same read, and their hashes
 * are kept in {@code .shoal/pieces} beside the hash cache ({@link PieceHashStore}). A file whose
 * hash is cached but whose pieces are not (hashed by an older version) is listed at once and its
 * pieces are hashed afterwards by {@link PieceBackfill}, so an upgrade does not delay the listing.
 */
public final class ShareScanner {

  private static final Logger LOG = LoggerFactory.getLogger(ShareScanner.class);
  private static final List<String> TEMPORARY_SUFFIXES =
      List.of("~", ".tmp", ".temp", ".part", ".partial", ".crdownload", ".download", ".swp");

  private final Vertx vertx;
  private final NodeContext node;
  private final Path root;
  private final ShareIndex index;
  private final PieceHashStore pieces;
  /**
   * One thread for walks and adoptions, asked unordered: an ordered task would share the node
   * context's queue with the downloads' disk work. They run one after another by {@link #serially}.
   */
  private final WorkerExecutor worker;
  /** Runs the pieces' digest beside the scanning thread; two threads, one each for scans and adoptions. */
  private final WorkerExecutor pieceWorker;
  private final ShareWalk walk;
  private final PieceBackfill backfill;
  /**
   * Set by {@link #stop()} from any thread and read between chunks by hashing on the workers: the
   * one signal that has to cross threads while a long hash runs.
   */
  private volatile boolean stopped;
  private HashCache cache;
  private boolean leftoversDeleted;
  private Future<Void> queued;
  private Future<?> tail = Future.succeededFuture();
  private long timerId = -1;

  public ShareScanner(Vertx vertx, NodeContext node, Path root, ShareIndex index, HashCache cache) {
    this.vertx = vertx;
    this.node = node;
    this.root = root.toAbsolutePath().normalize();
    this.index = index;
    this.cache = cache;
    this.pieces = new PieceHashStore(this.root.resolve(".shoal").resolve("pieces"));
    String name = "shoal-share-scanner-" + System.identityHashCode(this);
    this.worker = vertx.createSharedWorkerExecutor(name, 1);
    this.pieceWorker = vertx.createSharedWorkerExecutor(name + "-pieces", 2);
    this.walk = new ShareWalk(this.root, pieces, pieceHelper(), () -> stopped);
    this.backfill = new PieceBackfill(vertx, index, pieces, () -> stopped);
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
  public Future<Void> scan() {
    return node.run(() -> {
      Future<Void> waiting = queued;
      if (waiting == null) {
        Promise<Void> done = Promise.promise();
        waiting = done.future();
        queued = waiting;
        serially(() -> {
          queued = null;
          return scanOnce();
        }).onComplete(done);
      }
      return waiting;
    });
  }

  /** Rescans every {@code interval} until {@link #stop()}. */
  public void watch(Duration interval) {
    node.execute(() -> {
      if (!stopped) {
        timerId = vertx.setPeriodic(interval.toMillis(), id -> {
          if (!stopped) {
            scan().onFailure(e -> LOG.warn("scanning {} failed: {}", root, e.getMessage()));
          }
        });
      }
    });
  }

  /** Stops watching, and any hashing in progress at its next chunk. */
  public void stop() {
    stopped = true;
    node.execute(() -> {
      if (timerId >= 0) {
        vertx.cancelTimer(timerId);
        timerId = -1;
      }
    });
    backfill.close();
    worker.close();
    pieceWorker.close();
  }

  /**
   * Remembers the hash of a file this node has just verified, and its piece hashes when the
   * download checked every piece against them, so that the next scan lists it, pieces and all,
   * without reading it. A file checked whole has its pieces hashed after that scan, in the
   * background ({@link PieceBackfill}), so that a download never waits for a second read.
   */
  public Future<Void> adopt(Path file, String sha256, PieceHashes checkedPieces) {
    return node.run(() -> serially(() -> worker.executeBlocking(() -> {
      Path path = file.toAbsolutePath().normalize();
      BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
      boolean keepPieces = checkedPieces != null && checkedPieces.count() > 1
          && checkedPieces.layout().size() == attributes.size();
      if (keepPieces) {
        pieces.save(sha256, checkedPieces);
      }
      return new Adopted(new HashCache.Entry(path, attributes.size(), attributes.lastModifiedTime().toMillis(), sha256), keepPieces);
    }, false).map(adopted -> {
      if (adopted.piecesKept()) {
        index.learnPieces(sha256, checkedPieces);
      }
      cache = cache.with(List.of(adopted.entry()));
      return null;
    })));
  }

  /** What adopting a file found on the worker, to be applied on the node's context. */
  private record Adopted(HashCache.Entry entry, boolean piecesKept) {}

  /** One walk on the worker, its outcome installed here. */
  private Future<Void> scanOnce() {
    HashCache known = cache;
    // Nothing else writes piece hashes during the first walk (adoptions wait for it, back-filling
    // starts after it), so a temporary file found then is a crash's.
    boolean deleteLeftovers = !leftoversDeleted;
    leftoversDeleted = true;
    return worker.executeBlocking(() -> {
      if (deleteLeftovers) {
        pieces.deleteLeftovers();
      }
      return walk.walk(known, index::knowsPieces);
    }, false).map(found -> {
      cache = found.cache();
      index.replace(found.files(), found.pieces());
      backfill.hash(found.piecesUnknown());
      return null;
    });
  }

  /** Runs a task of {@link FileHasher} on the piece worker. */
  private Executor pieceHelper() {
    return task -> pieceWorker.executeBlocking(() -> {
      task.run();
      return null;
    }, false);
  }

  /** Runs {@code step} once every scan and adoption before it has finished. On the node's context. */
  private <T> Future<T> serially(Supplier<Future<T>> step) {
    Future<T> next = tail.transform(previous -> step.get());
    tail = next;
    return next;
  }
}
