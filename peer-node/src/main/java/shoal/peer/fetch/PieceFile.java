package shoal.peer.fetch;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.LongConsumer;
import shoal.peer.share.PieceHashes;
import shoal.peer.share.PieceLayout;
import shoal.peer.share.Sha256;

/**
 * A download fetched in pieces, on disk before it is verified: a hidden {@code <sha256>.part} file
 * of the file's size, filled piece by piece in any order, and beside it {@code <sha256>.have}, the
 * numbers of the pieces that matched their hashes, appended as each one does. Only pieces listed
 * there survive a restart or a {@code kill -9}, and each is checked again when the file is opened,
 * so what a crash left half-written is fetched again.
 *
 * <p>All disk work of one download runs on one worker thread of its own, one task after another:
 * the pieces of several sources are written through the same file, and a piece that matched is
 * sealed there, in the same thread, so that no later write (an endgame loser's, say) can touch it.
 * The bytes of a second source on a piece already being fetched go to a spare file of their own
 * ({@code <sha256>.spare-<piece>-<n>}, one per writer) and are copied into place only if they
 * win. Only one writer at a time writes a piece in place: the last to take the place, so a source
 * that was given up cannot, with bytes still queued for the disk, spoil the piece its successor
 * fetches and verifies.
 */
final class PieceFile {

  private static final int READ_BYTES = 1 << 20;

  private final Vertx vertx;
  private final Path dir;
  private final String sha256;
  private final PieceHashes pieces;
  private final WorkerExecutor disk;
  private final FileChannel channel;
  private final FileChannel have;
  /** Touched on the disk thread only: the pieces verified and written, which nothing may overwrite. */
  private final BitSet sealed;
  /** A copy of {@link #sealed} as opened, for the download's context. */
  private final BitSet verifiedAtOpen;
  /** Set on the disk thread once the files are closed: late writes of a stopped source find it. */
  private boolean closed;
  /** Touched on the disk thread only: the spare files that exist. */
  private final Set<Path> spares = new HashSet<>();
  /** Touched on the disk thread only: the spare files made so far, for names of their own. */
  private long sparesMade;
  /** Touched on the disk thread only: who writes each piece in place now. */
  private final Map<Integer, Object> placeHolders = new HashMap<>();
  /** Reused by every write task: the disk thread runs one at a time. */
  final ByteBuffer staging = ByteBuffer.allocateDirect(256 << 10);

  private PieceFile(Vertx vertx, Path dir, String sha256, PieceHashes pieces, WorkerExecutor disk, FileChannel channel,
      FileChannel have, BitSet sealed) {
    this.vertx = vertx;
    this.dir = dir;
    this.sha256 = sha256;
    this.pieces = pieces;
    this.disk = disk;
    this.channel = channel;
    this.have = have;
    this.sealed = sealed;
    this.verifiedAtOpen = (BitSet) sealed.clone();
  }

  static Path partPath(Path dir, String sha256) {
    return dir.resolve(sha256 + ".part");
  }

  static Path havePath(Path dir, String sha256) {
    return dir.resolve(sha256 + ".have");
  }

  /**
   * The piece file for {@code sha256} checked against {@code pieces}. Of what an earlier run left,
   * the pieces its {@code .have} lists are kept when they still match (without a {@code .have},
   * as a file fetched front to back leaves it, every whole piece within its length is tried).
   */
  static Future<PieceFile> open(Vertx vertx, Path dir, String sha256, PieceHashes pieces) {
    WorkerExecutor disk = vertx.createSharedWorkerExecutor("shoal-pieces-" + sha256.substring(0, 12) + "-"
        + System.nanoTime(), 1);
    return disk.executeBlocking(() -> {
      Files.createDirectories(dir);
      Path part = partPath(dir, sha256);
      Path haveFile = havePath(dir, sha256);
      FileChannel channel = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE);
      try {
        PieceLayout layout = pieces.layout();
        BitSet candidates = new BitSet();
        if (Files.isRegularFile(haveFile)) {
          ByteBuffer listed = ByteBuffer.wrap(Files.readAllBytes(haveFile));
          while (listed.remaining() >= Integer.BYTES) {
            int piece = listed.getInt();
            if (piece >= 0 && piece < layout.count()) {
              candidates.set(piece);
            }
          }
        } else {
          long held = channel.size();
          for (int piece = 0; piece < layout.count() && layout.start(piece) + layout.length(piece) <= held; piece++) {
            candidates.set(piece);
          }
        }
        if (channel.size() > layout.size()) {
          channel.truncate(layout.size());
        }
        BitSet sealed = checked(channel, pieces, candidates);
        // Rewritten whole, then renamed: the list on disk always names pieces that matched.
        Path fresh = dir.resolve(sha256 + ".have.tmp");
        ByteBuffer list = ByteBuffer.allocate(sealed.cardinality() * Integer.BYTES);
        sealed.stream().forEach(list::putInt);
        Files.write(fresh, list.array());
        Files.move(fresh, haveFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        FileChannel have = FileChannel.open(haveFile, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        return new PieceFile(vertx, dir, sha256, pieces, disk, channel, have, sealed);
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e;
      }
    }).recover(e -> {
      disk.close();
      return Future.failedFuture(new PartialFile.DiskFailure(partPath(dir, sha256), e));
    });
  }

  /** The pieces among {@code candidates} whose bytes on disk match their hashes. */
  private static BitSet checked(FileChannel channel, PieceHashes pieces, BitSet candidates) throws IOException {
    PieceLayout layout = pieces.layout();
    BitSet matching = new BitSet();
    ByteBuffer buffer = ByteBuffer.allocate(READ_BYTES);
    for (int piece = candidates.nextSetBit(0); piece >= 0; piece = candidates.nextSetBit(piece + 1)) {
      MessageDigest digest = Sha256.newDigest();
      long end = layout.start(piece) + layout.length(piece);
      if (Sha256.update(digest, channel, layout.start(piece), end, buffer) == end && pieces.matches(piece, digest.digest())) {
        matching.set(piece);
      }
    }
    return matching;
  }

  PieceHashes pieces() {
    return pieces;
  }

  PieceLayout layout() {
    return pieces.layout();
  }

  Path path() {
    return partPath(dir, sha256);
  }

  /** The pieces held and verified when the file was opened. */
  BitSet verifiedAtOpen() {
    return (BitSet) verifiedAtOpen.clone();
  }

  /** The channel, for reading verified pieces (positional reads may run beside the disk thread's writes). */
  FileChannel channel() {
    return channel;
  }

  /**
   * A writer for one source's bytes of {@code piece}; {@code spare} when another source is fetching
   * it too. A writer in place takes the place from any earlier one, in the order they are made.
   */
  PieceWriter writer(int piece, boolean spare, LongConsumer onBytes) {
    PieceWriter writer = new PieceWriter(this, piece, spare, onBytes);
    if (!spare) {
      onDisk(() -> {
        takePlace(piece, writer);
        return null;
      });
    }
    return writer;
  }

  /** Runs {@code task} on this download's disk thread, after every task handed over before it. */
  <T> Future<T> onDisk(Callable<T> task) {
    return disk.executeBlocking(task, true);
  }

  /** On the disk thread: {@code writer} writes {@code piece} in place from now on, and no earlier writer does. */
  private void takePlace(int piece, Object writer) {
    placeHolders.put(piece, writer);
  }

  /** On the disk thread: whether {@code writer} is the one writing {@code piece} in place. */
  boolean holdsPlace(int piece, Object writer) {
    return placeHolders.get(piece) == writer;
  }

  /** On the disk thread: whether {@code piece} is sealed. */
  boolean isSealed(int piece) {
    return sealed.get(piece);
  }

  /** On the disk thread: writes {@code bytes} at {@code position} of the part file. */
  void write(ByteBuffer bytes, long position) throws IOException {
    while (bytes.hasRemaining()) {
      position += channel.write(bytes, position);
    }
  }

  /**
   * On the disk thread: marks {@code piece} verified, after copying a spare's bytes into place,
   * and lists it in {@code .have} (after its bytes were written, so the list never names a
   * piece that is not there).
   */
  void seal(int piece, FileChannel spare) throws IOException {
    if (spare != null) {
      long start = layout().start(piece);
      long length = layout().length(piece);
      // Read and written through the staging buffer, not with transferFrom: pieces arrive in any
      // order, and transferFrom writes nothing at a position past the end of the file.
      long copied = 0;
      while (copied < length) {
        staging.clear().limit((int) Math.min(staging.capacity(), length - copied));
        if (spare.read(staging, copied) <= 0) {
          throw new IOException("the spare of piece " + piece + " ended after " + copied + " of " + length + " bytes");
        }
        staging.flip();
        long position = start + copied;
        copied += staging.remaining();
        write(staging, position);
      }
      // Empty for the next writer, which fills it from its start.
      staging.clear();
    }
    sealed.set(piece);
    placeHolders.remove(piece);
    ByteBuffer entry = ByteBuffer.allocate(Integer.BYTES).putInt(0, piece);
    while (entry.hasRemaining()) {
      have.write(entry);
    }
  }

  /** On the disk thread: a new spare file for a second source's bytes of {@code piece}. */
  Path newSpare(int piece) throws IOException {
    if (closed) {
      throw new ClosedChannelException();
    }
    Path spare = dir.resolve(sha256 + ".spare-" + piece + "-" + (++sparesMade));
    spares.add(spare);
    return spare;
  }

  /** On the disk thread: removes the spare file at {@code path}, closing {@code channel}. */
  void dropSpare(Path path, FileChannel channel) throws IOException {
    try (channel) {
      Files.deleteIfExists(path);
      spares.remove(path);
    }
  }

  /**
   * Closes the files once every task handed over has run; {@code delete} removes them too (a
   * cancel, a failure, or a list that lied), otherwise they stay for the next start.
   */
  Future<Void> close(boolean delete) {
    return onDisk(() -> {
      closed = true;
      try (channel; have) {
        if (delete) {
          Files.deleteIfExists(path());
          Files.deleteIfExists(havePath(dir, sha256));
          for (Path spare : spares) {
            Files.deleteIfExists(spare);
          }
        }
      }
      return null;
    }).<Void>mapEmpty().onComplete(closed -> disk.close())
        .recover(e -> Future.failedFuture(new PartialFile.DiskFailure(path(), e)));
  }

  Vertx vertx() {
    return vertx;
  }
}
