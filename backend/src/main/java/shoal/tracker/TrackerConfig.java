package shoal.tracker;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import shoal.tracker.access.AccessSettings;

/**
 * Everything the tracker is told at start-up, read once from the CLI and environment and passed
 * down unchanged.
 *
 * @param dbUrl {@code postgresql://user:pass@host:port/db}, or {@code null} for the embedded
 *     PostgreSQL under {@code dataDir/pg}
 * @param idleTimeout a connection on which nothing moves for this long is closed, and a request
 *     whose head or body takes longer to arrive is cut off
 * @param maxConnections connections the tracker keeps open at once, all its HTTP verticle instances together
 * @param access the join key, the allowed web origins and the rate limits
 */
public record TrackerConfig(
    String host, int port, String dbUrl, Path dataDir, Duration heartbeat, Duration peerTtl,
    Duration idleTimeout, int maxConnections, AccessSettings access) {

  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
  /**
   * Every peer keeps about one connection to the tracker (heartbeats reuse it), and dashboards
   * one each; 10 000 is room for thousands of peers while staying far below the file descriptors
   * a default Linux service may open, so a flood of sockets cannot starve the database pool's.
   */
  public static final int DEFAULT_MAX_CONNECTIONS = 10_000;

  public TrackerConfig {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--port must be between 0 and 65535, not " + port);
    }
    if (heartbeat.isZero() || heartbeat.isNegative()) {
      throw new IllegalArgumentException("--heartbeat must be longer than zero");
    }
    if (peerTtl.compareTo(heartbeat) <= 0) {
      throw new IllegalArgumentException(
          "--peer-ttl (" + peerTtl.toMillis() + " ms) must be longer than --heartbeat ("
              + heartbeat.toMillis() + " ms), or every peer would expire between two heartbeats");
    }
    if (idleTimeout.isZero() || idleTimeout.isNegative()) {
      throw new IllegalArgumentException("--idle-timeout must be longer than zero");
    }
    if (access == null) {
      throw new IllegalArgumentException("the access settings are missing");
    }
    if (maxConnections < 1) {
      throw new IllegalArgumentException("the connection cap must be at least 1, not " + maxConnections);
    }
  }

  /** An open tracker (no join key) with the default origins and rate limits. */
  public TrackerConfig(String host, int port, String dbUrl, Path dataDir, Duration heartbeat, Duration peerTtl,
      Duration idleTimeout, int maxConnections) {
    this(host, port, dbUrl, dataDir, heartbeat, peerTtl, idleTimeout, maxConnections, AccessSettings.OPEN);
  }

  /** A tracker with the default idle timeout, connection cap and access settings. */
  public TrackerConfig(String host, int port, String dbUrl, Path dataDir, Duration heartbeat, Duration peerTtl) {
    this(host, port, dbUrl, dataDir, heartbeat, peerTtl, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CONNECTIONS);
  }

  public boolean usesEmbeddedDatabase() {
    return dbUrl == null || dbUrl.isBlank();
  }

  public TrackerConfig withDbUrl(String url) {
    return new TrackerConfig(host, port, url, dataDir, heartbeat, peerTtl, idleTimeout, maxConnections, access);
  }

  public TrackerConfig withIdleTimeout(Duration timeout) {
    return new TrackerConfig(host, port, dbUrl, dataDir, heartbeat, peerTtl, timeout, maxConnections, access);
  }

  public TrackerConfig withMaxConnections(int max) {
    return new TrackerConfig(host, port, dbUrl, dataDir, heartbeat, peerTtl, idleTimeout, max, access);
  }

  public TrackerConfig withAccess(AccessSettings settings) {
    return new TrackerConfig(host, port, dbUrl, dataDir, heartbeat, peerTtl, idleTimeout, maxConnections, settings);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("host", host)
        .put("port", port)
        .put("dbUrl", dbUrl)
        .put("dataDir", dataDir.toString())
        .put("heartbeatMillis", heartbeat.toMillis())
        .put("peerTtlMillis", peerTtl.toMillis())
        .put("idleTimeoutMillis", idleTimeout.toMillis())
        .put("maxConnections", maxConnections)
        .put("access", access.toJson());
  }

  public static TrackerConfig fromJson(JsonObject json) {
    return new TrackerConfig(
        json.getString("host"),
        json.getInteger("port"),
        json.getString("dbUrl"),
        Path.of(json.getString("dataDir")),
        Duration.ofMillis(json.getLong("heartbeatMillis")),
        Duration.ofMillis(json.getLong("peerTtlMillis")),
        Duration.ofMillis(json.getLong("idleTimeoutMillis", DEFAULT_IDLE_TIMEOUT.toMillis())),
        json.getInteger("maxConnections", DEFAULT_MAX_CONNECTIONS),
        AccessSettings.fromJson(json.getJsonObject("access")));
  }
}
