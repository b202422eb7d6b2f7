package shoal.peer.fetch;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.List;
import java.util.function.LongConsumer;
import shoal.common.transfer.FailureReason;
import shoal.peer.share.Sha256;

/**
 * A download on disk before it is verified: a hidden {@code .part} file outside the shared listing
 * and the running SHA-256 of exactly the bytes it holds, so a transfer that breaks off resumes
 * from where it stopped (from another source) without reading the file again.
 *
 * <p>The event loop only collects what the network delivers; hashing and writing happen on a
 * worker thread in batches of about a megabyte ({@link DiskBatches}), one after another. So the two run on
 * different cores, and the network is paused while {@value #QUEUE_LIMIT} bytes wait for the disk.
 *
 * <p>Each byte is touched as few times as the JDK allows: the hash reads the received buffers in
 * place, and one copy moves them into a direct buffer of this file's own that is written
 * {@value #WRITE_BYTES} bytes at a time. (Writing heap buffers would make the JDK copy them into
 * a temporary direct buffer anyway, cached per worker thread, so every worker would hold one.)
 */
final class PartialFile {

  /**
   * Bytes per write to the file. Far fewer calls than the network's 64 KiB chunks, yet well below
   * a megabyte: with megabyte writes the kernel fills the page cache in large folios, and on the
   * benchmark machine (a VM whose free memory goes back to the host) that tripled the system time
   * of writing a file, while 64 KiB and 256 KiB writes cost what curl's 16 KiB ones do.
   */
  private static final int WRITE_BYTES = 256 << 10;
  private static final long QUEUE_LIMIT = 8L << 20;

  private final Vertx vertx;
  private final Path path;
  private MessageDigest digest = Sha256.newDigest();
  private long length;
  /** The file opened for the next body by {@link #prepare()}; null when none is. */
  private FileChannel prepared;
  /** The writer of the body streaming in; null between bodies. */
  private DiskWriter writer;

  private PartialFile(Vertx vertx, Path path) {
    this.vertx = vertx;
    this.path = path;
  }

  /** The partial file for {@code sha256} in {@code dir}; bytes left by an earlier run are kept and hashed. */
  static Future<PartialFile> open(Vertx vertx, Path dir, String sha256) {
    PartialFile partial = new PartialFile(vertx, dir.resolve(sha256 + ".part"));
    return vertx.executeBlocking(() -> {
      Files.createDirectories(dir);
      if (Files.isRegularFile(partial.path)) {
        long existing = Files.size(partial.path);
        Sha256.update(partial.digest, partial.path, existing);
        partial.length = existing;
      }
      return partial;
    });
  }

  /** Bytes received so far (some may still be on their way to the disk while a body streams in). */
  long length() {
    return length;
  }

  Path path() {
    return path;
  }

  /** Whether the body streaming in is paused until the disk catches up: the source is not to blame for the quiet. */
  boolean waitingForDisk() {
    DiskWriter current = writer;
    return current != null && current.waitingForDisk();
  }

  /**
   * Opens the file for the next body, at the end of the bytes held, before the request goes out:
   * the response is then piped to disk the moment it arrives. (A response paused while the file
   * opened could hear of a hang-up before the bytes queued ahead of it, and lose them.)
   */
  Future<Void> prepare() {
    long offset = length;
    return closePrepared().compose(closed -> vertx.<FileChannel>executeBlocking(() -> {
      FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      channel.truncate(offset);
      return channel.position(offset);
    })).recover(e -> Future.failedFuture(new DiskFailure(path, e))).map(channel -> {
      prepared = channel;
      return null;
    });
  }

  /** Closes a file prepared for a body that never came (the request failed first). */
  private Future<Void> closePrepared() {
    FileChannel channel = prepared;
    prepared = null;
    return channel == null ? Future.succeededFuture() : vertx.<Void>executeBlocking(() -> {
      channel.close();
      return null;
    });
  }

  /**
   * Appends {@code body} with backpressure, into the file {@link #prepare()} opened. {@code fromStart}
   * drops what the file held first (the source ignored our range). The file never grows past
   * {@code limit} bytes: a body that would take it further fails with {@link FailureReason#OVERSIZED}
   * before the excess is written. Completes once every byte accepted is hashed and on disk, whether
   * the body ended or broke off; if the disk failed, the file starts over empty and the future
   * fails with a {@link DiskFailure}.
   */
  Future<Void> receive(ReadStream<Buffer> body, boolean fromStart, long limit, LongConsumer onBytes) {
    FileChannel channel = prepared;
    prepared = null;
    if (channel == null) {
      return Future.failedFuture(new IllegalStateException("no file was prepared for the body"));
    }
    if (fromStart) {
      digest = Sha256.newDigest();
      length = 0;
    }
    DiskWriter writer = new DiskWriter(channel, fromStart, limit, onBytes);
    this.writer = writer;
    return body.pipe().endOnComplete(false).to(writer)
        .transform(received -> writer.finish().<Void>transform(written -> {
          this.writer = null;
          if (written.failed()) {
            digest = Sha256.newDigest();
            length = 0;
            return Future.failedFuture(new DiskFailure(path, written.cause()));
          }
          return received.succeeded() ? Future.succeededFuture() : Future.failedFuture(received.cause());
        }));
  }

  /** Whether the bytes held hash to {@code sha256}. Ends the running hash: call once, at the end. */
  boolean matches(String sha256) {
    return Sha256.hex(digest).equals(sha256);
  }

  /** Deletes the file and forgets its bytes, e.g. after a hash mismatch. */
  Future<Void> discard() {
    digest = Sha256.newDigest();
    length = 0;
    return closePrepared().compose(closed -> vertx.executeBlocking(() -> Files.deleteIfExists(path))).mapEmpty();
  }

  /** This node's own disk failed (full, read-only, gone): no source is to blame. */
  static final class DiskFailure extends IOException {

    private final Path file;

    DiskFailure(Path file, Throwable cause) {
      super("writing " + file + " failed: " + cause.getMessage(), cause);
      this.file = file;
    }

    /** A sentence for the user. */
    String sentence() {
      String message = String.valueOf(getCause().getMessage());
      return message.contains("No space left") ? "there is no space left on the disk that holds " + file.getParent()
          : "the disk that holds " + file.getParent() + " cannot be written (" + message + ")";
    }
  }

  /** The write end of the pipe: has a worker hash and write each batch, in order. */
  private final class DiskWriter extends DiskBatches {

    private final FileChannel channel;
    /** Whether the first batch truncates the file to nothing: the body is the whole file, from its first byte. */
    private boolean truncateFirst;
    private final long limit;
    private final LongConsumer onBytes;
    /** Bytes hashed and on their way to the file; touched by the worker only, one ordered task at a time. */
    private final ByteBuffer staging = ByteBuffer.allocateDirect(WRITE_BYTES);
    /**
     * The first write that failed; later batches are skipped. Touched only by this file's worker
     * tasks, which Vert.x runs one after another (ordered), each seeing what the one before wrote.
     */
    private IOException failure;

    DiskWriter(FileChannel channel, boolean fromStart, long limit, LongConsumer onBytes) {
      super(QUEUE_LIMIT);
      this.channel = channel;
      this.truncateFirst = fromStart;
      this.limit = limit;
      this.onBytes = onBytes;
    }

    @Override
    SourceFailure refusal(Buffer data) {
      return length + data.length() > limit
          ? new SourceFailure(FailureReason.OVERSIZED, "it sent more than the " + limit + " bytes of its file") : null;
    }

    @Override
    void taken(int bytes) {
      length += bytes;
      onBytes.accept(bytes);
    }

    /**
     * Hands the batch to the worker pool as an ordered task: tasks of one context run one after
     * another, back to back, so the disk never waits for the event loop between batches.
     */
    @Override
    Future<Boolean> store(List<Buffer> buffers) {
      return vertx.executeBlocking(() -> {
        if (failure == null) {
          try {
            if (truncateFirst) {
              channel.truncate(0).position(0);
              truncateFirst = false;
            }
            hashAndWrite(buffers);
          } catch (IOException e) {
            failure = e;
          }
        }
        return false;
      }, true);
    }

    /**
     * On the worker: hashes each received buffer where it lies (a view, not a copy: Vert.x hands
     * the HTTP client's chunks over as heap buffers of their own) and copies it into the staging
     * buffer, which goes to the file whenever it is full.
     */
    private void hashAndWrite(List<Buffer> buffers) throws IOException {
      DiskBatches.hashAndStage(buffers, digest, staging, full -> writeStaged());
    }

    private void writeStaged() throws IOException {
      staging.flip();
      while (staging.hasRemaining()) {
        channel.write(staging);
      }
      staging.clear();
    }

    /** Writes what is left, then closes the file (after every batch, being ordered); fails if a write failed. */
    Future<Void> finish() {
      flush();
      return vertx.executeBlocking(() -> {
        try (channel) {
          if (failure == null) {
            if (truncateFirst) {
              channel.truncate(0);
            }
            writeStaged();
          }
        }
        if (failure != null) {
          throw failure;
        }
        return null;
      }, true);
    }
  }
}
