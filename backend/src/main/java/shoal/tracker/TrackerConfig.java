package shoal.tracker;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import shoal.tracker.access.AccessSettings;
import shoal.tracker.db.DatabaseTimeouts;

/**
 * Everything the tracker is told at start-up, read once from the CLI and environment and passed
 * down unchanged.
 *
 * @param dbUrl {@code postgresql://user:pass@host:port/db}, or {@code null} for the embedded
 *     PostgreSQL under {@code dataDir/pg}
 * @param idleTimeout a connection on which nothing moves for this long is closed, and a request
 *     whose head or body takes longer to arrive is cut off
 * @param maxConnections connections the tracker keeps open at once, all its HTTP verticle instances together
 * @param transferRetention finished transfers are listed this long, then pruned; the totals they
 *     fed stay
 * @param dbTimeouts how long one registry statement may run, wait for a lock, or idle in a transaction
 * @param access the join key, the allowed web origins and the rate limits
 * @param catalogueSweep how often catalogue entries nobody holds are removed; a minute but in
 *     tests, which shorten it to watch the sweep on a running tracker
 */
public record TrackerConfig(
    String host, int port, String dbUrl, Path dataDir, Duration heartbeat, Duration peerTtl,
    Duration idleTimeout, int maxConnections, Duration transferRetention, DatabaseTimeouts dbTimeouts,
    AccessSettings access, Duration catalogueSweep) {

  /** Finding unheld entries reads the whole catalogue against the holdings: not more often. */
  public static final Duration DEFAULT_CATALOGUE_SWEEP = Duration.ofMinutes(1);

  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
  /**
   * Every peer keeps about one connection to the tracker (heartbeats reuse it), and dashboards
   * one each; 10 000 is room for thousands of peers while staying far below the file descriptors
   * a default Linux service may open, so a flood of sockets cannot starve the database pool's.
   */
  public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
  /** A week of finished transfers is what an operator looks back on; older ones only cost space. */
  public static final Duration DEFAULT_TRANSFER_RETENTION = Duration.ofDays(7);

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
    if (maxConnections < 1) {
      throw new IllegalArgumentException("the connection cap must be at least 1, not " + maxConnections);
    }
    if (transferRetention.isZero() || transferRetention.isNegative()) {
      throw new IllegalArgumentException("--transfer-retention must be longer than zero");
    }
    if (dbTimeouts == null || access == null) {
      throw new IllegalArgumentException("the database timeouts and the access settings are needed");
    }
    if (catalogueSweep == null || catalogueSweep.isZero() || catalogueSweep.isNegative()) {
      throw new IllegalArgumentException("the catalogue sweep interval must be longer than zero");
    }
  }

  /** Every setting but the catalogue sweep, which keeps its default of a minute. */
  public TrackerConfig(
      String host, int port, String dbUrl, Path dataDir, Duration heartbeat, Duration peerTtl,
      Duration idleTimeout, int maxConnections, Duration transferRetention, DatabaseTimeouts dbTimeouts,
      AccessSettings access) {
    this(host, port, dbUrl, dataDir, heartbeat, peerTtl, idleTimeout, maxConnections, transferRetention, dbTimeouts,
        access, DEFAULT_CATALOGUE_SWEEP);
  }

  /** An open tracker with the defaults for everything but where it listens, its database and its peers' pace. */
  public TrackerConfig(String host, int port, String dbUrl, Path dataDir, Duration heartbeat, Duration peerTtl) {
    this(host, port, dbUrl, dataDir, heartbeat, peerTtl, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CONNECTIONS,
        DEFAULT_TRANSFER_RETENTION, DatabaseTimeouts.DEFAULTS, AccessSettings.OPEN);
  }

  public boolean usesEmbeddedDatabase() {
    return dbUrl == null || dbUrl.isBlank();
  }

  public TrackerConfig withDbUrl(String url) {
    return new TrackerConfig(host, port, url, dataDir, heartbeat, peerTtl, idleTimeout, maxConnections,
        transferRetention, dbTimeouts, access, catalogueSweep);
  }

  public TrackerConfig withIdleTimeout(Duration timeout) {
    return new TrackerConfig(host, port, dbUrl, dataDir, heartbeat, peerTtl, timeout, maxConnections,
        transferRetention, dbTimeouts, access, catalogueSweep);
  }

  public TrackerConfig withMaxConnections(int max) {
    return new TrackerConfig(host, port, dbUrl, dataDir, heartbeat, peerTtl, idleTimeout, max,
        transferRetention, dbTimeouts, access, catalogueSweep);
  }

  public TrackerConfig withTransferRetention(Duration retention) {
    return new TrackerConfig(host, port, dbUrl, dataDir, heartbeat, peerTtl, idleTimeout, maxConnections,
        retention, dbTimeouts, access, catalogueSweep);
  }

  public TrackerConfig withDbTimeouts(DatabaseTimeouts timeouts) {
    return new TrackerConfig(host, port, dbUrl, dataDir, heartbeat, peerTtl, idleTimeout, maxConnections,
        transferRetention, timeouts, access, catalogueSweep);
  }

  public TrackerConfig withAccess(AccessSettings settings) {
    return new TrackerConfig(host, port, dbUrl, dataDir, heartbeat, peerTtl, idleTimeout, maxConnections,
        transferRetention, dbTimeouts, settings, catalogueSweep);
  }

  public TrackerConfig withCatalogueSweep(Duration interval) {
    return new TrackerConfig(host, port, dbUrl, dataDir, heartbeat, peerTtl, idleTimeout, maxConnections,
        transferRetention, dbTimeouts, access, interval);
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
        .put("transferRetentionMillis", transferRetention.toMillis())
        .put("dbTimeouts", dbTimeouts.toJson())
        .put("access", access.toJson())
        .put("catalogueSweepMillis", catalogueSweep.toMillis());
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
        Duration.ofMillis(json.getLong("transferRetentionMillis", DEFAULT_TRANSFER_RETENTION.toMillis())),
        DatabaseTimeouts.fromJson(json.getJsonObject("dbTimeouts")),
        AccessSettings.fromJson(json.getJsonObject("access")),
        Duration.ofMillis(json.getLong("catalogueSweepMillis", DEFAULT_CATALOGUE_SWEEP.toMillis())));
  }
}
