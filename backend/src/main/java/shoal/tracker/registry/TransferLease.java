package shoal.tracker.registry;

import io.vertx.core.json.JsonObject;

/** A started transfer and where to fetch the file: the answer to "who should I download from?". */
public record TransferLease(Transfer transfer, Holder source) {

  public JsonObject toJson() {
    return new JsonObject()
        .put("transferId", transfer.transferId().toString())
        .put("sha256", transfer.sha256())
        .put("name", transfer.name())
        .put("size", transfer.size())
        .put("source", new JsonObject()
            .put("peerId", source.peerId().toString())
            .put("name", source.name())
            .put("address", source.address()));
  }
}
