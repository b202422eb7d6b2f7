package shoal.peer.share;

import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hashes the pieces of listed files whose hash the {@link HashCache} knew but whose pieces it did
 * not (hashed before pieces existed), one file at a time on a worker thread of its own: scans,
 * and so new files and finished downloads, go on meanwhile, and the files port answers 503 for
 * such a file's pieces until they are known. Queued on the node's context, where the pieces each
 * worker job answers are handed to the {@link ShareIndex}.
 */
final class PieceBackfill {

  private static final Logger LOG = LoggerFactory.getLogger(PieceBackfill.class);

  private final ShareIndex index;
  private final PieceHashStore store;
  private final BooleanSupplier stopped;
  private final WorkerExecutor worker;
  /** Hashes queued or in progress, so that the scans that keep finding them queue each once. */
  private final Set<String> pending = new HashSet<>();

  PieceBackfill(Vertx vertx, ShareIndex index, PieceHashStore store, BooleanSupplier stopped) {
    this.index = index;
    this.store = store;
    this.stopped = stopped;
    this.worker = vertx.createSharedWorkerExecutor("shoal-piece-backfill-" + System.identityHashCode(this), 1);
  }

  /** Queues the files whose pieces are unknown, unless already queued. On the node's context. */
  void hash(List<SharedFile> files) {
    if (stopped.getAsBoolean()) {
      return;
    }
    for (SharedFile file : files) {
      if (pending.add(file.sha256())) {
        // Unordered: an ordered task would wait in the node context's one queue, behind the
        // downloads' disk work and ahead of it for hours on a large file. One thread keeps order.
        worker.executeBlocking(() -> hashOne(file), false).onComplete(hashed -> {
          pending.remove(file.sha256());
          if (hashed.succeeded() && hashed.result() != null) {
            index.learnPieces(file.sha256(), hashed.result());
          }
        });
      }
    }
  }

  void close() {
    worker.close();
  }

  /** The file's pieces, saved; null when they need not or cannot be hashed now. On the worker. */
  private PieceHashes hashOne(SharedFile file) {
    // The index is read, never changed, here: its published listing says whether pieces came meanwhile.
    if (stopped.getAsBoolean() || index.knowsPieces(file.sha256()) || !unchanged(file)) {
      return null;
    }
    try {
      PieceHashes pieces = FileHasher.hashPieces(file.path(), file.size(), stopped);
      // Changed while read, even at the same size: the next scan hashes it anew, pieces and all.
      if (!unchanged(file)) {
        return null;
      }
      store.save(file.sha256(), pieces);
      return pieces;
    } catch (IOException e) {
      LOG.debug("could not hash the pieces of {}: {}", file.path(), e.getMessage());
      return null;
    }
  }

  /** Whether the file on disk is still the one listed: the same size and modification time. */
  private static boolean unchanged(SharedFile file) {
    try {
      BasicFileAttributes now = Files.readAttributes(file.path(), BasicFileAttributes.class);
      return now.size() == file.size() && now.lastModifiedTime().toMillis() == file.modifiedMillis();
    } catch (IOException e) {
      return false;
    }
  }
}
