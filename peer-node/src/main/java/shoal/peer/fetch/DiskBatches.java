package shoal.peer.fetch;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.streams.WriteStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * The write end of a pipe from the network to the disk: collects the buffers the network delivers
 * into batches of about a megabyte and hands each to the disk as a task, one after another. The
 * event loop only collects, so hashing and writing run on another core; and the network is paused
 * while {@code queueLimit} bytes wait for the disk, so memory never grows with the body. A
 * subclass says which bytes it takes ({@link #refusal}) and what a batch does on the disk
 * ({@link #store}); its owner finishes it once the body ends, so {@link #end()} does nothing.
 */
abstract class DiskBatches implements WriteStream<Buffer> {

  private static final int BATCH_BYTES = 1 << 20;

  private final long queueLimit;
  private List<Buffer> batch = new ArrayList<>();
  private long batchBytes;
  private long queuedBytes;
  /** Set while the pipe holds the source back for the disk. */
  private Handler<Void> drainHandler;

  DiskBatches(long queueLimit) {
    this.queueLimit = queueLimit;
  }

  /** Why {@code data} may not be taken (the pipe then fails with it), or null when it may. */
  abstract SourceFailure refusal(Buffer data);

  /** {@code bytes} were taken into the batch. */
  abstract void taken(int bytes);

  /** Hands {@code buffers} to the disk; completes with true when no more bytes are wanted. */
  abstract Future<Boolean> store(List<Buffer> buffers);

  /** A batch said that no more bytes are wanted, or failed: from now on {@link #refusal} should say so. */
  void enough() {}

  /** Whether the network is paused for the disk: the source is not to blame for the quiet. */
  final boolean waitingForDisk() {
    return drainHandler != null;
  }

  @Override
  public final Future<Void> write(Buffer data) {
    SourceFailure refused = refusal(data);
    if (refused != null) {
      return Future.failedFuture(refused);
    }
    batch.add(data);
    batchBytes += data.length();
    queuedBytes += data.length();
    taken(data.length());
    if (batchBytes >= BATCH_BYTES) {
      sendBatch();
    }
    return Future.succeededFuture();
  }

  /** Hands over what the batch holds: before the owner's last task, which must come after it. */
  final void flush() {
    if (batchBytes > 0) {
      sendBatch();
    }
  }

  private void sendBatch() {
    List<Buffer> buffers = batch;
    long bytes = batchBytes;
    batch = new ArrayList<>();
    batchBytes = 0;
    store(buffers).onComplete(done -> {
      if (done.failed() || done.result()) {
        enough();
      }
      queuedBytes -= bytes;
      Handler<Void> drain = drainHandler;
      if (drain != null && queuedBytes <= queueLimit / 2) {
        drainHandler = null;
        drain.handle(null);
      }
    });
  }

  /** Writes out a staging buffer that {@link #hashAndStage} filled, and empties it. */
  @FunctionalInterface
  interface Drain {
    void drain(ByteBuffer staging) throws IOException;
  }

  /**
   * On the disk thread: hashes each received buffer where it lies (a view, not a copy: Vert.x hands
   * the HTTP client's chunks over as heap buffers of their own) and copies it into {@code staging},
   * which {@code drain} writes out whenever it is full. What is left in it is the caller's to write.
   */
  static void hashAndStage(List<Buffer> buffers, MessageDigest digest, ByteBuffer staging, Drain drain)
      throws IOException {
    for (Buffer buffer : buffers) {
      for (ByteBuffer bytes : ((BufferInternal) buffer).getByteBuf().nioBuffers()) {
        digest.update(bytes.duplicate());
        while (bytes.hasRemaining()) {
          int n = Math.min(bytes.remaining(), staging.remaining());
          staging.put(staging.position(), bytes, bytes.position(), n);
          staging.position(staging.position() + n);
          bytes.position(bytes.position() + n);
          if (!staging.hasRemaining()) {
            drain.drain(staging);
          }
        }
      }
    }
  }

  @Override
  public final Future<Void> end() {
    return Future.succeededFuture();
  }

  @Override
  public final WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    return this;
  }

  @Override
  public final WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
    return this;
  }

  @Override
  public final boolean writeQueueFull() {
    return queuedBytes >= queueLimit;
  }

  @Override
  public final WriteStream<Buffer> drainHandler(Handler<Void> handler) {
    this.drainHandler = handler;
    return this;
  }
}
