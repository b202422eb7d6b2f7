package shoal.tracker.registry;

import io.vertx.core.json.JsonObject;

/**
 * A started transfer and where to fetch the file: the answer to "who should I download from?".
 * {@code partial} when the source is a partial holder, which serves only the pieces it has verified.
 */
public record TransferLease(Transfer transfer, Holder source, boolean partial) {

  public JsonObject toJson() {
    return new JsonObject()
        .put("transferId", transfer.transferId().toString())
        .put("sha256", transfer.sha256())
        .put("name", transfer.name())
        .put("size", transfer.size())
        .put("source", new JsonObject()
            .put("peerId", source.peerId().toString())
            .put("name", source.name())
            .put("address", source.address())
            .put("partial", partial));
  }
}
