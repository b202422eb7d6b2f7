package shoal.peer.share;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import shoal.common.files.SafeFileName;

/**
 * One look at the share folder, on a worker thread: walks it (symbolic links, hidden and temporary
 * files are left out), hashes what the {@link HashCache} does not know, with its pieces in the same
 * read ({@link FileHasher}), and finds the stored pieces of the rest. A file is listed under its
 * name made safe by {@link SafeFileName} (the tracker refuses any other, and every downloader would
 * save it under that name), its path left as it is.
 *
 * <p>Takes the cache as a value and answers what it found as a value: it writes only files (the
 * piece store, the cache's file), never the scanner's or the index's fields, so the scanner applies
 * the outcome on the node's context.
 */
final class ShareWalk {

  private static final Logger LOG = LoggerFactory.getLogger(ShareWalk.class);

  /**
   * What a walk found.
   *
   * @param files every file listed, in the order found
   * @param pieces the pieces hashed or loaded by this walk
   * @param piecesUnknown listed files of several pieces whose pieces are neither known nor stored
   * @param cache the hash cache of exactly the files found, as now stored
   */
  record Found(List<SharedFile> files, Map<String, PieceHashes> pieces, List<SharedFile> piecesUnknown, HashCache cache) {}

  private final Path root;
  private final PieceHashStore store;
  private final Executor pieceHelper;
  private final BooleanSupplier stopped;

  /**
   * @param pieceHelper runs the pieces' digest beside the walking thread
   * @param stopped asked between chunks of a file being hashed; true cuts the walk short
   */
  ShareWalk(Path root, PieceHashStore store, Executor pieceHelper, BooleanSupplier stopped) {
    this.root = root;
    this.store = store;
    this.pieceHelper = pieceHelper;
    this.stopped = stopped;
  }

  /**
   * Walks the share. Blocking.
   *
   * @param piecesKnown whether the index already has a hash's pieces, so they need no loading
   */
  Found walk(HashCache cache, Predicate<String> piecesKnown) throws IOException {
    List<SharedFile> files = new ArrayList<>();
    Map<String, PieceHashes> learnt = new HashMap<>();
    List<SharedFile> piecesUnknown = new ArrayList<>();
    List<HashCache.Entry> present = new ArrayList<>();
    Files.createDirectories(root);
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
        return !dir.equals(root) && ShareScanner.isSkipped(dir.getFileName().toString())
            ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
        if (attributes.isRegularFile() && !ShareScanner.isSkipped(file.getFileName().toString())) {
          long size = attributes.size();
          long modified = attributes.lastModifiedTime().toMillis();
          String sha256 = cache.get(file, size, modified);
          try {
            boolean piecesFound = true;
            if (sha256 == null) {
              FileHasher.Hashed both = FileHasher.hashWithPieces(file, size, pieceHelper, stopped);
              sha256 = both.sha256();
              // Pieces first: a hash in the cache then always had its pieces saved, unless saving failed.
              store.save(sha256, both.pieces());
              learnt.put(sha256, both.pieces());
            } else if (PieceLayout.of(size).count() > 1 && !learnt.containsKey(sha256) && !piecesKnown.test(sha256)) {
              String cached = sha256;
              store.load(sha256, size).ifPresent(stored -> learnt.put(cached, stored));
              piecesFound = learnt.containsKey(sha256);
            }
            SharedFile shared = new SharedFile(sha256, SafeFileName.sanitize(file.getFileName().toString(), sha256), size, file, modified);
            files.add(shared);
            present.add(new HashCache.Entry(file, size, modified, sha256));
            if (!piecesFound) {
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
    HashCache next = cache.exactly(present).saved();
    store.retainOnly(files.stream().map(SharedFile::sha256).collect(Collectors.toSet()));
    return new Found(files, learnt, piecesUnknown, next);
  }
}
