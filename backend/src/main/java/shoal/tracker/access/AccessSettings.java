package shoal.tracker.access;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Who may use the tracker and how often: the join key peers must show to register (null: anyone
 * may), the web origins besides the tracker's own whose pages may call it, and the per-address
 * rate limits on registrations and transfer starts.
 *
 * <p>{@link #toString()} never shows the join key, so a logged config cannot leak it.
 */
public record AccessSettings(
    String joinKey, List<String> allowedOrigins, RateLimit registrations, RateLimit transferStarts) {

  /**
   * A peer registers once and again only after an outage, so 60 a minute from one address leaves
   * room for a rack of peers behind one NAT restarting together, while a script faking peers gets
   * one a second.
   */
  public static final RateLimit DEFAULT_REGISTRATIONS = RateLimit.perMinute(60);
  /**
   * A download starts one transfer per source it tries; 600 a minute (10 a second) from one address
   * keeps many peers behind one NAT fetching small files at full speed.
   */
  public static final RateLimit DEFAULT_TRANSFER_STARTS = RateLimit.perMinute(600);

  public static final AccessSettings OPEN =
      new AccessSettings(null, List.of(), DEFAULT_REGISTRATIONS, DEFAULT_TRANSFER_STARTS);

  public AccessSettings {
    if (joinKey != null && joinKey.isBlank()) {
      joinKey = null;
    }
    allowedOrigins = allowedOrigins.stream().map(AccessSettings::origin).distinct().toList();
  }

  public boolean open() {
    return joinKey == null;
  }

  public AccessSettings withJoinKey(String key) {
    return new AccessSettings(key, allowedOrigins, registrations, transferStarts);
  }

  public AccessSettings withAllowedOrigins(List<String> origins) {
    return new AccessSettings(joinKey, origins, registrations, transferStarts);
  }

  public AccessSettings withLimits(RateLimit registrationLimit, RateLimit transferLimit) {
    return new AccessSettings(joinKey, allowedOrigins, registrationLimit, transferLimit);
  }

  /**
   * An origin as browsers send it in {@code Origin}: {@code scheme://host[:port]}, lower case, no
   * default port, no path.
   */
  static String origin(String text) {
    String trimmed = text.trim();
    try {
      URI uri = new URI(trimmed.endsWith("/") ? trimmed.substring(0, trimmed.length() - 1) : trimmed);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      boolean bare = (uri.getRawPath() == null || uri.getRawPath().isEmpty()) && uri.getRawQuery() == null
          && uri.getRawFragment() == null && uri.getRawUserInfo() == null;
      if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null && bare) {
        int port = uri.getPort();
        boolean defaultPort = port == -1 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
        return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
      }
    } catch (Exception e) {
      // reported below
    }
    throw new IllegalArgumentException("--allowed-origin must be a web origin such as https://dashboard.example.org "
        + "(scheme, host and port only), not '" + text + "'");
  }

  /** The JSON form, for {@code DeploymentOptions}; it carries the key, so it is never logged. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("joinKey", joinKey)
        .put("allowedOrigins", new JsonArray(allowedOrigins))
        .put("registrations", limitJson(registrations))
        .put("transferStarts", limitJson(transferStarts));
  }

  public static AccessSettings fromJson(JsonObject json) {
    if (json == null) {
      return OPEN;
    }
    return new AccessSettings(
        json.getString("joinKey"),
        json.getJsonArray("allowedOrigins", new JsonArray()).stream().map(String.class::cast).toList(),
        limit(json.getJsonObject("registrations"), DEFAULT_REGISTRATIONS),
        limit(json.getJsonObject("transferStarts"), DEFAULT_TRANSFER_STARTS));
  }

  private static JsonObject limitJson(RateLimit limit) {
    return new JsonObject().put("requests", limit.requests()).put("perMillis", limit.per().toMillis());
  }

  private static RateLimit limit(JsonObject json, RateLimit fallback) {
    return json == null ? fallback
        : new RateLimit(json.getInteger("requests"), Duration.ofMillis(json.getLong("perMillis")));
  }

  @Override
  public String toString() {
    return "AccessSettings[joinKey=" + (joinKey == null ? "none" : "[set]") + ", allowedOrigins=" + allowedOrigins
        + ", registrations=" + registrations + ", transferStarts=" + transferStarts + "]";
  }
}
