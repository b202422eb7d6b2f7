package shoal.peer.fetch;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.BitSet;
import shoal.peer.share.PieceLayout;
import shoal.peer.share.Sha256;

/**
 * The whole file's SHA-256, computed while the download runs: as verified pieces join up from the
 * front, a worker reads them back (from the page cache, as a rule) and feeds them to the digest,
 * on a core beside the one hashing pieces. When the last piece is in, only the tail is left to
 * hash. Lives on the download's context; one read task at a time.
 */
final class FileDigest {

  /** Read per task: large enough to keep the worker busy, small enough to hand back often. */
  private static final int TASK_BYTES = 8 << 20;

  private final PieceFile file;
  private final PieceLayout layout;
  private final BitSet verified = new BitSet();
  private final MessageDigest digest = Sha256.newDigest();
  /** Direct, so that a read is one copy out of the page cache (a heap buffer would go through a temporary direct one). */
  private final ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
  private long hashed;
  private boolean reading;
  private boolean stopped;
  private Promise<String> whole;
  private Throwable failure;

  FileDigest(PieceFile file, BitSet verified) {
    this.file = file;
    this.layout = file.layout();
    this.verified.or(verified);
    advance();
  }

  /** {@code piece} is verified and on disk: the digest may read it once the pieces before it are too. */
  void verified(int piece) {
    verified.set(piece);
    advance();
  }

  /** The file's SHA-256 as hex, once every piece is verified and hashed. */
  Future<String> result() {
    if (whole == null) {
      whole = Promise.promise();
      if (failure != null) {
        whole.fail(failure);
      }
      advance();
    }
    return whole.future();
  }

  /** No more reads: the file is about to be closed or deleted. */
  void stop() {
    stopped = true;
  }

  private void advance() {
    if (reading || stopped) {
      return;
    }
    long end = verifiedEnd();
    if (hashed == end) {
      if (end == layout.size() && whole != null) {
        whole.tryComplete(Sha256.hex(digest));
      }
      return;
    }
    long from = hashed;
    long to = Math.min(end, from + TASK_BYTES);
    reading = true;
    file.vertx().executeBlocking(() -> {
      long reached = Sha256.update(digest, file.channel(), from, to, buffer);
      if (reached < to) {
        throw new EOFException("the file ends at " + reached);
      }
      return reached;
    }, false).onComplete(done -> {
      reading = false;
      if (done.failed()) {
        stopped = true;
        failure = new PartialFile.DiskFailure(file.path(), done.cause());
        if (whole != null) {
          whole.tryFail(failure);
        }
        return;
      }
      hashed = done.result();
      advance();
    });
  }

  /** The end of the run of verified pieces from the start of the file. */
  private long verifiedEnd() {
    int firstMissing = verified.nextClearBit(0);
    return firstMissing >= layout.count() ? layout.size() : layout.start(firstMissing);
  }
}
