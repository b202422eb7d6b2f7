package shoal.tracker.readmodel;

import io.vertx.sqlclient.Row;
import java.nio.ByteBuffer;
import java.util.UUID;

/** Rows the read model loads, as it applies them. */
final class Rows {

  private Rows() {}

  /** A peer's row; its expiry on {@link System#nanoTime()}'s clock. */
  record PeerRow(UUID id, String name, String address, ByteBuffer tokenHash, long activeUploads, long expiresAtNanos) {

    /**
     * @param loadStartedNanos taken before the loading transaction began: the database's
     *     {@code now()} is no earlier, so the expiry computed from it is never later than the truth
     */
    static PeerRow of(Row row, long loadStartedNanos) {
      return new PeerRow(row.getUUID("peer_id"), row.getString("name"), row.getString("address"),
          ByteBuffer.wrap(row.getBuffer("token_hash").getBytes()), row.getLong("active_uploads"),
          loadStartedNanos + row.getLong("micros_left") * 1_000);
    }

    PeerCell.Liveness liveness() {
      return new PeerCell.Liveness(false, expiresAtNanos, activeUploads);
    }
  }

  /** One holding, with its file's catalogue name and size. */
  record HoldingRow(UUID peerId, String sha256, long size, String fileName, long fileSize) {

    static HoldingRow of(Row row) {
      return new HoldingRow(row.getUUID("peer_id"), row.getString("sha256"), row.getLong("size"),
          row.getString("file_name"), row.getLong("file_size"));
    }
  }
}
