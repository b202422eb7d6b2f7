package shoal.tracker;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything the tracker is told at start-up, read once from the CLI and environment and passed
 * down unchanged.
 *
 * @param dbUrl {@code postgresql://user:pass@host:port/db}, or {@code null} for the embedded
 *     PostgreSQL under {@code dataDir/pg}
 */
public record TrackerConfig(
    String host, int port, String dbUrl, Path dataDir, Duration heartbeat, Duration peerTtl) {

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
  }

  public boolean usesEmbeddedDatabase() {
    return dbUrl == null || dbUrl.isBlank();
  }

  public TrackerConfig withDbUrl(String url) {
    return new TrackerConfig(host, port, url, dataDir, heartbeat, peerTtl);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("host", host)
        .put("port", port)
        .put("dbUrl", dbUrl)
        .put("dataDir", dataDir.toString())
        .put("heartbeatMillis", heartbeat.toMillis())
        .put("peerTtlMillis", peerTtl.toMillis());
  }

  public static TrackerConfig fromJson(JsonObject json) {
    return new TrackerConfig(
        json.getString("host"),
        json.getInteger("port"),
        json.getString("dbUrl"),
        Path.of(json.getString("dataDir")),
        Duration.ofMillis(json.getLong("heartbeatMillis")),
        Duration.ofMillis(json.getLong("peerTtlMillis")));
  }
}
