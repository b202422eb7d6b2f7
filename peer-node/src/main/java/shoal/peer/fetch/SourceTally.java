package shoal.peer.fetch;

import io.vertx.core.json.JsonObject;
import java.util.function.LongConsumer;

/**
 * What one source has given a download, for its status: bytes received, pieces that matched, and
 * the rate, smoothed over the last second or so. Lives on the download's context.
 */
final class SourceTally {

  final String peerId;
  final String name;
  /** Told of every byte received as well: the node's download counter. */
  private final LongConsumer alsoReceived;
  private long bytes;
  private int pieces;
  private long rate;
  private long bytesAtLastTick;
  private boolean stopped;

  SourceTally(String peerId, String name, LongConsumer alsoReceived) {
    this.peerId = peerId;
    this.name = name;
    this.alsoReceived = alsoReceived;
  }

  void received(long count) {
    bytes += count;
    alsoReceived.accept(count);
  }

  void pieceVerified() {
    pieces++;
  }

  long bytes() {
    return bytes;
  }

  int pieces() {
    return pieces;
  }

  /** The source is no longer used: its rate shows 0 from now on. */
  void stopped() {
    stopped = true;
    rate = 0;
  }

  /** Called every {@code tickMillis}: the rate is an exponential average of the bytes per tick. */
  void tick(long tickMillis) {
    long perSecond = (bytes - bytesAtLastTick) * 1000 / tickMillis;
    bytesAtLastTick = bytes;
    rate = stopped ? 0 : (rate + perSecond) / 2;
  }

  long rate() {
    return rate;
  }

  /** The contract's source entry: {@code {"peerId","bytes","rate","pieces"}}. */
  JsonObject toJson() {
    return new JsonObject().put("peerId", peerId).put("bytes", bytes).put("rate", rate).put("pieces", pieces);
  }
}
