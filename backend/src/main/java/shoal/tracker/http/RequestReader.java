package shoal.tracker.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import shoal.common.files.SafeFileName;
import shoal.common.http.ApiError;
import shoal.common.http.BearerToken;
import shoal.common.net.PeerAddress;
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

  /** The contract's largest size: 2^53 - 1, the largest whole number JavaScript holds exactly. */
  static final long MAX_SIZE = 9_007_199_254_740_991L;

  /** The SHA-256 of no bytes at all: the only file whose size can be 0. */
  static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final int MAX_ADDRESS = 2_048;

  private RequestReader() {}

  static JsonObject jsonObject(RoutingContext ctx) {
    Buffer body = ctx.body().buffer();
    if (body == null || body.length() == 0) {
      throw ApiError.invalidRequest("The request needs a JSON object as its body.");
    }
    return MalformedJson.decode(body);
  }

  /** The body, or an empty object when the client sent none (no body at all has length -1, not 0). */
  static JsonObject optionalJsonObject(RoutingContext ctx) {
    return ctx.body().isEmpty() ? new JsonObject() : jsonObject(ctx);
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

  static String peerName(JsonObject json) {
    return text(json, "name", 200);
  }

  /**
   * The peer's files address, checked by {@link PeerAddress} (no credentials, query or fragment,
   * nothing link-local, unspecified, multicast or a cloud metadata service), and normalized.
   */
  static String address(JsonObject json) {
    String address = text(json, "address", MAX_ADDRESS);
    try {
      return PeerAddress.parse(address).base();
    } catch (IllegalArgumentException e) {
      throw ApiError.invalidRequest("'address' must be an http or https URL of the peer's files port, such as "
          + "http://10.0.0.5:7001, that other peers may fetch from. " + e.getMessage());
    }
  }

  /**
   * {@link #address}, refused when it is loopback but the peer connected from another address:
   * other peers would fetch from themselves. A peer that reaches the tracker over loopback shares
   * its machine with the tracker, and may say loopback (one machine, or the tests). Behind a
   * reverse proxy on the tracker's machine every client looks like loopback, so the check lets
   * everything through there; it never refuses a peer wrongly.
   */
  static String reachableAddress(RoutingContext ctx, JsonObject json) {
    String address = address(json);
    PeerAddress loopback = PeerAddress.parse(address);
    String client = ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().hostAddress();
    if (!loopback.isLoopback() || client == null || PeerAddress.isLoopbackIp(client)) {
      return address;
    }
    String seenAs = client.contains(":") ? "[" + client + "]" : client;
    throw ApiError.invalidRequest("This peer registered the loopback address " + address + ", which other machines "
        + "cannot reach; it connected from " + client + ", so start it with --advertise "
        + (loopback.tls() ? "https" : "http") + "://" + seenAs + ":" + loopback.port()
        + " (or whichever address other peers reach it at), or with --host set to such an address.");
  }

  /** {@code field}: true or false, {@code fallback} when absent. */
  static boolean optionalBoolean(JsonObject json, String field, boolean fallback) {
    Object value = json.getValue(field);
    if (value == null) {
      return fallback;
    }
    if (value instanceof Boolean flag) {
      return flag;
    }
    throw ApiError.invalidRequest("'" + field + "' must be true or false.");
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
   * {@value #MAX_FILES_PER_REQUEST}. A hash listed twice keeps its first entry. Names must already
   * be safe file names ({@link SafeFileName}): the tracker hands them to every downloader, and a
   * refusal with the reason teaches a peer more than a silent repair would.
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
      String where = "files[" + i + "]";
      try {
        String sha256 = sha256(file.getValue("sha256"));
        where += " (sha256 " + sha256 + ")";
        FileEntry entry = new FileEntry(sha256, fileName(file, sha256), size(file, sha256));
        files.putIfAbsent(entry.sha256(), entry);
      } catch (ApiError e) {
        throw ApiError.invalidRequest(where + ": " + e.getMessage());
      }
    }
    return new ArrayList<>(files.values());
  }

  /** A file's {@code name}: non-empty, and a name {@link SafeFileName} would leave as it is. */
  static String fileName(JsonObject file, String sha256) {
    if (!(file.getValue("name") instanceof String name) || name.isEmpty()) {
      throw ApiError.invalidRequest("'name' must be a non-empty string.");
    }
    SafeFileName.problem(name).ifPresent(problem -> {
      throw ApiError.invalidRequest("'name' is not a safe file name: " + problem + "; send it as '"
          + SafeFileName.sanitize(name, sha256) + "'.");
    });
    return name;
  }

  /**
   * A file's {@code size}: 0 to {@value #MAX_SIZE}, and 0 only for the empty file, since any
   * other hash of no bytes is a provably false claim.
   */
  static long size(JsonObject file, String sha256) {
    Object value = file.getValue("size");
    if (!(value instanceof Integer || value instanceof Long) || ((Number) value).longValue() < 0
        || ((Number) value).longValue() > MAX_SIZE) {
      throw ApiError.invalidRequest("'size' must be a whole number from 0 to " + MAX_SIZE + ".");
    }
    long size = ((Number) value).longValue();
    if (size == 0 && !sha256.equals(EMPTY_SHA256)) {
      throw ApiError.invalidRequest("'size' is 0, but a file of no bytes has the SHA-256 " + EMPTY_SHA256
          + ", not this one: the claim cannot be true.");
    }
    return size;
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
}
