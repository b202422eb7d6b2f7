package shoal.tracker.readmodel;

import java.nio.ByteBuffer;
import java.util.UUID;

/**
 * A peer as the read model knows it. Name, address and token never change for a peer id; its
 * expiry and load do, and are replaced as one immutable {@link Liveness}, which readers on any
 * thread see at once: marking a peer {@link Liveness#GONE} takes it out of every file's holders
 * in one write, before those files are rebuilt without it.
 */
final class PeerCell {

  final UUID id;
  final String name;
  final String address;
  /** The SHA-256 of its token, as the key of the model's token index. */
  final ByteBuffer tokenHash;
  volatile Liveness liveness;
  /**
   * The hashes it holds, the same String instances as the files' keys. Read and written by the
   * model's writer only.
   */
  String[] held = new String[0];

  PeerCell(UUID id, String name, String address, ByteBuffer tokenHash, Liveness liveness) {
    this.id = id;
    this.name = name;
    this.address = address;
    this.tokenHash = tokenHash;
    this.liveness = liveness;
  }

  /**
   * When the peer expires, on {@link System#nanoTime()}'s clock, and its active uploads.
   * Expiry is carried over from the database's clock as "time left", so the two clocks never
   * need to agree.
   */
  record Liveness(boolean gone, long expiresAtNanos, long activeUploads) {

    static final Liveness GONE = new Liveness(true, 0, 0);

    boolean live(long nowNanos) {
      return !gone && expiresAtNanos - nowNanos > 0;
    }
  }
}
