package shoal.peer.serve;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * Cuts off an upload whose downloader has stopped reading: when no byte of the response has been
 * handed to the socket for the idle timeout, the connection is closed, which ends the upload and
 * gives its slot back. A downloader that reads, however slowly, keeps its upload.
 *
 * <p>Why not Vert.x's idle timeout: it counts a write as activity only once the write completes, and
 * {@code sendFile} hands the file to Netty as 1 MiB regions, so a downloader reading less than
 * 1 MiB per timeout would be cut although bytes keep moving. This looks instead at Netty's outbound
 * buffer, which moves with every partial write of a region, so zero-copy {@code sendFile} stays as it
 * is. The finest grain either can see is the kernel's send buffer: the socket reports room again
 * only once a good part of it has drained.
 *
 * <p>Used on the files verticle's context only; Vert.x runs a verticle's connections on that
 * context's event loop, the one thread that may read a channel's outbound buffer.
 */
final class UploadWatchdog {

  private final Vertx vertx;
  private final long timeoutNanos;
  private final long checkEveryMillis;
  private final Set<Long> timers = new HashSet<>();

  UploadWatchdog(Vertx vertx, Duration timeout) {
    this.vertx = vertx;
    this.timeoutNanos = timeout.toNanos();
    // A stalled upload is cut between one and 1.25 timeouts after its last byte left.
    this.checkEveryMillis = Math.max(10, timeout.toMillis() / 4);
  }

  /**
   * Starts watching the upload on {@code connection}; run the answer once the upload has ended.
   * {@code closed} runs if the connection is found closed while the upload is still watched: an
   * upload whose end went unnoticed gives its slot back all the same.
   */
  Runnable watch(HttpConnection connection, Runnable closed) {
    Channel channel = ((ConnectionBase) connection).channel();
    Progress[] last = {Progress.of(channel)};
    long[] movedAt = {System.nanoTime()};
    long timer = vertx.setPeriodic(checkEveryMillis, id -> {
      if (!channel.isOpen()) {
        stop(id);
        closed.run();
        return;
      }
      Progress now = Progress.of(channel);
      // Nothing queued means the downloader keeps up (the upload limit may be what paces it).
      if (now.pending() == 0 || !now.equals(last[0])) {
        last[0] = now;
        movedAt[0] = System.nanoTime();
      } else if (System.nanoTime() - movedAt[0] >= timeoutNanos) {
        stop(id);
        // Closed from the head of the pipeline: a close through Vert.x's handler (which
        // HttpConnection.close() and Channel.close() both take) first flushes what is queued,
        // and waits behind the very write that is stuck.
        ChannelHandlerContext head = channel.pipeline().firstContext();
        if (head != null) {
          head.close();
        }
        // Otherwise the connection has closed already, emptying its pipeline.
      }
    });
    timers.add(timer);
    return () -> stop(timer);
  }

  /** Stops every watch; for the verticle's {@code stop()}. */
  void close() {
    timers.forEach(vertx::cancelTimer);
    timers.clear();
  }

  private void stop(long timer) {
    if (timers.remove(timer)) {
      vertx.cancelTimer(timer);
    }
  }

  /**
   * What the outbound buffer shows of a response leaving: the message being written, the bytes
   * still queued and how far the current message has gone (as Netty's own IdleStateHandler
   * observes output). Any change means bytes went to the socket; an empty buffer, that none wait.
   */
  private record Progress(int current, long pending, long progress) {
    static Progress of(Channel channel) {
      ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
      if (buffer == null) {
        return new Progress(0, -1, -1);
      }
      return new Progress(System.identityHashCode(buffer.current()), buffer.totalPendingWriteBytes(),
          buffer.currentProgress());
    }
  }
}
