package shoal.tracker.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import shoal.common.http.ApiError;

/**
 * Turns a body that is not a JSON object into a 400 sentence of Shoal's own. The parser's message
 * names its internals (token types, {@code StreamReadFeature}s, source references); the client
 * needs only what is wrong and where: line and column.
 */
final class MalformedJson {

  private MalformedJson() {}

  /** The refusal for a body that is valid JSON but not an object. */
  static ApiError notAnObject(Object value) {
    String what = value instanceof JsonArray ? "an array"
        : value instanceof String ? "a string"
        : value instanceof Number ? "a number"
        : value instanceof Boolean ? "a boolean"
        : "null";
    return ApiError.invalidRequest("The body must be a JSON object, {…}, not " + what + ".");
  }

  /** Why {@code failure}, raised while decoding {@code body}, makes the body unusable. */
  private static String sentence(RuntimeException failure, Buffer body) {
    Throwable cause = failure instanceof DecodeException ? failure.getCause() : null;
    if (cause instanceof JsonProcessingException parsing) {
      JsonLocation where = parsing.getLocation();
      // Jackson raises a JsonEOFException for some early ends and a plain JsonParseException for others;
      // its own wording (not ours to pass on) is the one thing they share.
      if (cause instanceof JsonEOFException || String.valueOf(parsing.getOriginalMessage()).startsWith("Unexpected end-of-input")) {
        return "The body is not valid JSON: it ends before the " + opened(body) + " is closed.";
      }
      return where == null || where.getLineNr() < 1
          ? "The body is not valid JSON."
          : "The body is not valid JSON: something unexpected at line " + where.getLineNr() + ", column "
              + where.getColumnNr() + ".";
    }
    if (failure instanceof DecodeException && "Unexpected trailing token".equals(failure.getMessage())) {
      // Vert.x's own check, made once the first value is read (it raises no parser exception to tell by).
      return "The body is not valid JSON: more follows after the first value ends.";
    }
    return "The body is not valid JSON.";
  }

  private static String opened(Buffer body) {
    String start = body.getString(0, Math.min(body.length(), 64)).stripLeading();
    return start.startsWith("[") ? "array" : start.startsWith("\"") ? "string" : "object";
  }

  /** Decodes {@code body}, or throws the refusal. */
  static JsonObject decode(Buffer body) {
    Object value;
    try {
      value = Json.decodeValue(body);
    } catch (RuntimeException e) {
      throw ApiError.invalidRequest(sentence(e, body));
    }
    if (value instanceof JsonObject object) {
      return object;
    }
    throw notAnObject(value);
  }
}
