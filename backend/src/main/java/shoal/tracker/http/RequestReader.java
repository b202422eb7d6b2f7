package shoal.tracker.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import shoal.common.http.ApiError;
import shoal.common.http.BearerToken;
import shoal.tracker.registry.FileEntry;
import shoal.tracker.registry.PeerRegistry;

/**
 * Reads and checks what clients send: bodies, path and query parameters, the bearer token.
 * Anything off is a 400 {@code invalid_request} whose message says what and where, so nothing
 * malformed ever reaches the registry.
 */
final class RequestReader {

  /** Files per request; more go in further {@code POST /api/v1/peers/{id}/files} batches. */
  static final int MAX_FILES_PER_REQUEST = 10_000;
  static final int MAX_PAGE = 1_000;

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final int MAX_NAME = 1_024;
  private static final int MAX_ADDRESS = 2_048;

  private RequestReader() {}

  static JsonObject jsonObject(RoutingContext ctx) {
    try {
      JsonObject body = ctx.body().asJsonObject();
      if (body == null) {
        throw ApiError.invalidRequest("The request needs a JSON object as its body.");
      }
      return body;
    } catch (RuntimeException e) {
      if (e instanceof ApiError apiError) {
        throw apiError;
      }
      throw ApiError.invalidRequest("The body is not a JSON object: " + firstLine(e.getMessage()));
    }
  }

  /** The body, or an empty object when the client sent none. */
  static JsonObject optionalJsonObject(RoutingContext ctx) {
    return ctx.body().length() == 0 ? new JsonObject() : jsonObject(ctx);
  }

  static String text(JsonObject json, String field, int maxLength) {
    Object value = json.getValue(field);
    if (!(value instanceof String text) || text.isBlank()) {
      throw ApiError.invalidRequest("'" + field + "' must be a non-empty string.");
    }
    if (text.length() > maxLength) {
      throw ApiError.invalidRequest("'" + field + "' must be at most " + maxLength + " characters.");
    }
    if (text.chars().anyMatch(Character::isISOControl)) {
      throw ApiError.invalidRequest("'" + field + "' must not contain control characters.");
    }
    return text;
  }

  static String optionalText(JsonObject json, String field, int maxLength) {
    return json.getValue(field) == null ? null : text(json, field, maxLength);
  }

  static String peerName(JsonObject json) {
    return text(json, "name", 200);
  }

  /** An absolute http or https URL with a host: where other peers fetch this peer's files. */
  static String address(JsonObject json) {
    String address = text(json, "address", MAX_ADDRESS);
    try {
      URI uri = new URI(address);
      String scheme = uri.getScheme();
      if (("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme)) && uri.getHost() != null) {
        return address;
      }
    } catch (URISyntaxException e) {
      // reported below
    }
    throw ApiError.invalidRequest("'address' must be an absolute http or https URL such as http://10.0.0.5:7001, not '" + address + "'.");
  }

  static long nonNegativeLong(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (!(value instanceof Integer || value instanceof Long) || ((Number) value).longValue() < 0) {
      throw ApiError.invalidRequest("'" + field + "' must be a whole number of at least 0.");
    }
    return ((Number) value).longValue();
  }

  /**
   * The {@code files} array: each {@code {"sha256","name","size"}}, at most
   * {@value #MAX_FILES_PER_REQUEST}. A hash listed twice keeps its first entry.
   */
  static List<FileEntry> files(JsonObject json) {
    Object value = json.getValue("files");
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray array)) {
      throw ApiError.invalidRequest("'files' must be an array of {\"sha256\",\"name\",\"size\"} objects.");
    }
    if (array.size() > MAX_FILES_PER_REQUEST) {
      throw ApiError.invalidRequest("At most " + MAX_FILES_PER_REQUEST + " files fit in one request ("
          + array.size() + " sent); send the rest with POST /api/v1/peers/{peerId}/files.");
    }
    Map<String, FileEntry> files = new LinkedHashMap<>();
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof JsonObject file)) {
        throw ApiError.invalidRequest("files[" + i + "] must be an object.");
      }
      try {
        FileEntry entry = new FileEntry(sha256(file.getValue("sha256")), text(file, "name", MAX_NAME), nonNegativeLong(file, "size"));
        files.putIfAbsent(entry.sha256(), entry);
      } catch (ApiError e) {
        throw ApiError.invalidRequest("files[" + i + "]: " + e.getMessage());
      }
    }
    return new ArrayList<>(files.values());
  }

  /** {@code exclude}: peer ids not to download from. */
  static Collection<UUID> peerIds(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray array) || array.size() > MAX_PAGE) {
      throw ApiError.invalidRequest("'" + field + "' must be an array of at most " + MAX_PAGE + " peer ids.");
    }
    Collection<UUID> ids = new LinkedHashSet<>();
    for (Object id : array) {
      try {
        ids.add(UUID.fromString((String) id));
      } catch (RuntimeException e) {
        throw ApiError.invalidRequest("'" + field + "' holds '" + id + "', which is not a peer id.");
      }
    }
    return ids;
  }

  static String sha256(Object value) {
    if (value instanceof String text && SHA256.matcher(text).matches()) {
      return text;
    }
    throw ApiError.invalidRequest("'sha256' must be 64 lowercase hexadecimal characters, not '" + value + "'.");
  }

  static String sha256Param(RoutingContext ctx) {
    return sha256(ctx.pathParam("sha256"));
  }

  /** A peer id from the path; one that cannot even be parsed is as unknown as any other. */
  static UUID peerIdParam(RoutingContext ctx) {
    try {
      return UUID.fromString(ctx.pathParam("peerId"));
    } catch (IllegalArgumentException e) {
      throw PeerRegistry.unknownPeer();
    }
  }

  static UUID transferIdParam(RoutingContext ctx) {
    try {
      return UUID.fromString(ctx.pathParam("transferId"));
    } catch (IllegalArgumentException e) {
      throw ApiError.notFound("unknown_transfer", "No transfer has the id '" + ctx.pathParam("transferId") + "'.");
    }
  }

  /** {@code limit}: at most {@value #MAX_PAGE}, {@code fallback} when absent. */
  static int limit(RoutingContext ctx, int fallback) {
    return intQueryParam(ctx, "limit", fallback, 1, MAX_PAGE);
  }

  static int offset(RoutingContext ctx) {
    return intQueryParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
  }

  private static int intQueryParam(RoutingContext ctx, String name, int fallback, int min, int max) {
    String value = ctx.queryParams().get(name);
    if (value == null) {
      return fallback;
    }
    try {
      int number = Integer.parseInt(value);
      if (number >= min && number <= max) {
        return number;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw ApiError.invalidRequest("'" + name + "' must be a whole number from " + min + " to " + max + ".");
  }

  /** The bearer token, or null when the request carries none (the registry answers 401 then). */
  static String bearerToken(RoutingContext ctx) {
    return BearerToken.from(ctx.request().getHeader("Authorization"));
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
