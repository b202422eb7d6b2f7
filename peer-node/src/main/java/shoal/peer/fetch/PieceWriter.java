package shoal.peer.fetch;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.List;
import java.util.function.LongConsumer;
import shoal.common.transfer.FailureReason;
import shoal.peer.share.Sha256;

/**
 * The write end of one source's response for one piece: the event loop collects the buffers the
 * network delivers, and the download's disk thread hashes each batch where it lies and writes it
 * at the piece's place (or into a spare file, for a second source on the piece). The network is
 * paused while {@value #QUEUE_LIMIT} bytes wait for the disk, so memory never grows with the
 * piece or the file. {@link #finish()} tells how the piece came out.
 */
final class PieceWriter extends DiskBatches {

  /** How one source's attempt at a piece ended. */
  enum Outcome {
    /** The bytes matched the piece's hash and are in place for good. */
    VERIFIED,
    /** They did not match: the source sent a wrong piece. */
    WRONG,
    /** Another source's copy of the piece matched first: these bytes were not needed. */
    TAKEN,
    /** The body ended before the piece was whole. */
    SHORT
  }

  private static final long QUEUE_LIMIT = 4L << 20;

  private final PieceFile file;
  private final int piece;
  private final boolean spare;
  private final long start;
  private final int length;
  private final LongConsumer onBytes;
  /** Bytes accepted from the network, on the event loop. */
  private long received;
  /** Set on the event loop once a batch found the piece sealed by another source or wrong: the pipe stops. */
  private boolean moot;

  // Touched by the disk thread only, one task after another.
  private final MessageDigest digest = Sha256.newDigest();
  private long written;
  private Path sparePath;
  private FileChannel spareChannel;
  private IOException failure;
  private boolean taken;

  PieceWriter(PieceFile file, int piece, boolean spare, LongConsumer onBytes) {
    super(QUEUE_LIMIT);
    this.file = file;
    this.piece = piece;
    this.spare = spare;
    this.start = file.layout().start(piece);
    this.length = file.layout().length(piece);
    this.onBytes = onBytes;
  }

  /** Bytes of the piece received so far. */
  long received() {
    return received;
  }

  @Override
  SourceFailure refusal(Buffer data) {
    if (moot) {
      // Fails the pipe: the rest of the piece is not wanted (or another source already sealed it).
      return new SourceFailure(FailureReason.CONNECTION_LOST, "the piece is no longer needed");
    }
    if (received + data.length() > length) {
      return new SourceFailure(FailureReason.OVERSIZED, "it sent more than the " + length + " bytes of piece " + piece);
    }
    return null;
  }

  @Override
  void taken(int bytes) {
    received += bytes;
    onBytes.accept(bytes);
  }

  @Override
  Future<Boolean> store(List<Buffer> buffers) {
    return file.onDisk(() -> {
      hashAndWrite(buffers);
      return taken || failure != null;
    });
  }

  @Override
  void enough() {
    moot = true;
  }

  /** On the disk thread: hashes the buffers where they lie and writes them, unless the piece is already sealed. */
  private void hashAndWrite(List<Buffer> buffers) {
    if (failure != null || taken) {
      return;
    }
    if (file.isSealed(piece)) {
      taken = true;
      return;
    }
    if (!spare && !file.holdsPlace(piece, this)) {
      // Another source was given the piece after this one was let go: its bytes are not wanted.
      taken = true;
      return;
    }
    ByteBuffer staging = file.staging.clear();
    try {
      if (spare && spareChannel == null) {
        sparePath = file.newSpare(piece);
        spareChannel = FileChannel.open(sparePath, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
            StandardOpenOption.WRITE);
      }
      hashAndStage(buffers, digest, staging, this::flush);
      flush(staging);
    } catch (IOException e) {
      failure = e;
      staging.clear();
    }
  }

  /** Writes what the staging buffer holds after the piece's bytes written so far, and empties it. */
  private void flush(ByteBuffer staging) throws IOException {
    staging.flip();
    int n = staging.remaining();
    if (spare) {
      while (staging.hasRemaining()) {
        spareChannel.write(staging, written + (n - staging.remaining()));
      }
    } else {
      file.write(staging, start + written);
    }
    staging.clear();
    written += n;
  }

  /**
   * Writes what is left and tells how the piece came out: a whole piece that matches is sealed
   * (a spare's bytes copied into place first). Fails with a {@link PartialFile.DiskFailure} when
   * this node's disk failed.
   */
  Future<Outcome> finish() {
    flush();
    return file.onDisk(() -> {
      try {
        if (failure != null) {
          throw failure;
        }
        if (taken || file.isSealed(piece) || (!spare && !file.holdsPlace(piece, this))) {
          return Outcome.TAKEN;
        }
        if (written < length) {
          return Outcome.SHORT;
        }
        if (!file.pieces().matches(piece, digest.digest())) {
          return Outcome.WRONG;
        }
        file.seal(piece, spareChannel);
        return Outcome.VERIFIED;
      } finally {
        if (spareChannel != null) {
          file.dropSpare(sparePath, spareChannel);
        }
      }
    }).recover(e -> Future.failedFuture(new PartialFile.DiskFailure(file.path(), e)));
  }
}
