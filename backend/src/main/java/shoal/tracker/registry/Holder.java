package shoal.tracker.registry;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.UUID;

/**
 * A live peer that holds a file, with its current load and its own size for the file. Holders of
 * one hash may disagree on its size (one of them is wrong, or lying); each keeps its own, since a
 * downloader trusts only its source's size and verifies the SHA-256 anyway.
 */
public record Holder(UUID peerId, String name, String address, long activeUploads, long size) {

  /** Writes {@code {"peerId","name","address","activeUploads","size"}}, an element of a lookup's holders. */
  void writeTo(JsonGenerator json) throws IOException {
    json.writeStartObject();
    json.writeStringField("peerId", peerId.toString());
    json.writeStringField("name", name);
    json.writeStringField("address", address);
    json.writeNumberField("activeUploads", activeUploads);
    json.writeNumberField("size", size);
    json.writeEndObject();
  }
}
