package shoal.tracker.registry;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** A file and every live peer holding it, least loaded first. */
public record FileDetails(String sha256, String name, long size, List<Holder> holders) {

  private static final JsonFactory JSON = new JsonFactory();

  /**
   * The lookup's answer, {@code {"sha256","name","size","holders":[…]}}, written straight to
   * bytes: it is the tracker's most frequent response, and building it as a {@code JsonObject} of
   * maps first, then encoding that, took a third of a lookup's time.
   */
  public Buffer toJsonBuffer() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(128 + 160 * holders.size());
    try (JsonGenerator json = JSON.createGenerator(bytes)) {
      json.writeStartObject();
      json.writeStringField("sha256", sha256);
      json.writeStringField("name", name);
      json.writeNumberField("size", size);
      json.writeArrayFieldStart("holders");
      for (Holder holder : holders) {
        holder.writeTo(json);
      }
      json.writeEndArray();
      json.writeEndObject();
    } catch (IOException e) {
      // Written to memory: an IOException here is a bug, not an outage.
      throw new UncheckedIOException(e);
    }
    return Buffer.buffer(bytes.toByteArray());
  }
}
