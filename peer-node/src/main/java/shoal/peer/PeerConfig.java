package shoal.peer;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import shoal.common.net.PeerAddress;
import shoal.peer.fetch.FetchSettings;
import shoal.peer.fetch.SourcePatience;
import shoal.peer.tracker.TrackerRoute;

/**
 * Everything a peer node is told at start-up, read once from the CLI and environment (or built by
 * a test) and passed down unchanged.
 *
 * @param advertise the files URL other peers are given; null for {@code http://host:port}
 * @param controlToken null for a random one
 * @param uploadLimit bytes per second for all uploads together; 0 for no limit
 * @param sources how many holders one download fetches from at once ({@code --sources})
 * @param patience when a download gives a source up for another holder
 * @param idleTimeout a connection to the files or control port that moves no byte for this long
 *     is closed, and a request whose head or body takes longer is cut off
 * @param rescanInterval how often the share folder is looked at for changes
 * @param maxConnections connections the files port keeps open at once; one more is closed at once
 * @param joinKey the tracker's join key, shown when registering; null for an open tracker. Never
 *     logged: {@link #toString()} leaves it out
 */
public record PeerConfig(
    String tracker,
    Path share,
    String name,
    String host,
    int port,
    String advertise,
    int controlPort,
    String controlToken,
    long uploadLimit,
    int maxUploads,
    int sources,
    SourcePatience patience,
    Duration idleTimeout,
    Duration rescanInterval,
    int maxConnections,
    String joinKey) {

  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_RESCAN_INTERVAL = Duration.ofSeconds(1);
  /**
   * Each downloader holds one connection per file it fetches from this peer (more while it asks for
   * pieces), and only {@code --max-uploads} of them get a slot; 1 024 leaves room for many
   * downloaders to be told 503 and for health checks, and stays within the 1 024 file
   * descriptors a default Linux session allows a process.
   */
  public static final int DEFAULT_MAX_CONNECTIONS = 1024;
  private static final int DOWNLOAD_ONLY_CONNECTIONS = 16;

  public PeerConfig {
    requireHttpUrl("--tracker", tracker);
    if (advertise != null) {
      requirePeerAddress(advertise);
    }
    requirePort("--port", port);
    requirePort("--control-port", controlPort);
    if (name == null || name.isBlank() || name.length() > 200) {
      throw new IllegalArgumentException("--name must be 1 to 200 characters");
    }
    if (uploadLimit < 0) {
      throw new IllegalArgumentException("--upload-limit cannot be negative");
    }
    if (maxUploads < 1) {
      throw new IllegalArgumentException("--max-uploads must be at least 1, not " + maxUploads);
    }
    if (sources < 1 || sources > FetchSettings.MAX_SOURCES) {
      throw new IllegalArgumentException("--sources must be between 1 and " + FetchSettings.MAX_SOURCES + ", not " + sources);
    }
    if (idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new IllegalArgumentException("--idle-timeout must be longer than 0");
    }
    if (controlToken != null && controlToken.isBlank()) {
      throw new IllegalArgumentException("--control-token cannot be blank");
    }
    if (maxConnections < 1) {
      throw new IllegalArgumentException("the files port must allow at least one connection, not " + maxConnections);
    }
    if (joinKey != null && joinKey.isBlank()) {
      joinKey = null;
    }
  }

  /**
   * A node whose downloads use {@value FetchSettings#DEFAULT_SOURCES} holders at once and whose files port keeps up to
   * {@link #DEFAULT_MAX_CONNECTIONS} connections.
   */
  public PeerConfig(String tracker, Path share, String name, String host, int port, String advertise, int controlPort,
      String controlToken, long uploadLimit, int maxUploads, SourcePatience patience, Duration idleTimeout,
      Duration rescanInterval) {
    this(tracker, share, name, host, port, advertise, controlPort, controlToken, uploadLimit, maxUploads,
        FetchSettings.DEFAULT_SOURCES, patience, idleTimeout, rescanInterval, DEFAULT_MAX_CONNECTIONS, null);
  }

  /** A node with the defaults for everything but where it reports and what it shares. */
  public static PeerConfig of(String tracker, Path share, String name) {
    return new PeerConfig(tracker, share, name, "127.0.0.1", 0, null, 0, null, 0, 8,
        SourcePatience.DEFAULT, DEFAULT_IDLE_TIMEOUT, DEFAULT_RESCAN_INTERVAL);
  }

  /**
   * What {@code shoal get} runs as ({@link PeerNode#startDownloadOnly}): a node called {@code shoal-get} saving into
   * {@code out}. The tracker wants every peer to have a files address, so it gets one on a free port, where a peer
   * started without {@code --host} would listen ({@link TrackerRoute#defaultHost}): a tracker on another machine
   * refuses a loopback address. It serves little there (pieces of the download under way, else 404) and leaves soon,
   * so one upload slot and a handful of connections are plenty.
   */
  public static PeerConfig downloadOnly(String tracker, Path out) {
    return new PeerConfig(tracker, out, "shoal-get", TrackerRoute.defaultHost(tracker), 0, null, 0, null, 0, 1,
        FetchSettings.DEFAULT_SOURCES, SourcePatience.DEFAULT, DEFAULT_IDLE_TIMEOUT, DEFAULT_RESCAN_INTERVAL, DOWNLOAD_ONLY_CONNECTIONS, null);
  }

  public PeerConfig withUploadLimit(long bytesPerSecond) {
    return new PeerConfig(tracker, share, name, host, port, advertise, controlPort, controlToken, bytesPerSecond,
        maxUploads, sources, patience, idleTimeout, rescanInterval, maxConnections, joinKey);
  }

  public PeerConfig withMaxUploads(int max) {
    return new PeerConfig(tracker, share, name, host, port, advertise, controlPort, controlToken, uploadLimit, max,
        sources, patience, idleTimeout, rescanInterval, maxConnections, joinKey);
  }

  public PeerConfig withSources(int count) {
    return new PeerConfig(tracker, share, name, host, port, advertise, controlPort, controlToken, uploadLimit,
        maxUploads, count, patience, idleTimeout, rescanInterval, maxConnections, joinKey);
  }

  public PeerConfig withStallTimeout(Duration timeout) {
    return withPatience(patience.withStallTimeout(timeout));
  }

  public PeerConfig withPatience(SourcePatience newPatience) {
    return new PeerConfig(tracker, share, name, host, port, advertise, controlPort, controlToken, uploadLimit,
        maxUploads, sources, newPatience, idleTimeout, rescanInterval, maxConnections, joinKey);
  }

  public PeerConfig withIdleTimeout(Duration timeout) {
    return new PeerConfig(tracker, share, name, host, port, advertise, controlPort, controlToken, uploadLimit,
        maxUploads, sources, patience, timeout, rescanInterval, maxConnections, joinKey);
  }

  public PeerConfig withMaxConnections(int max) {
    return new PeerConfig(tracker, share, name, host, port, advertise, controlPort, controlToken, uploadLimit,
        maxUploads, sources, patience, idleTimeout, rescanInterval, max, joinKey);
  }

  public PeerConfig withJoinKey(String key) {
    return new PeerConfig(tracker, share, name, host, port, advertise, controlPort, controlToken, uploadLimit,
        maxUploads, sources, patience, idleTimeout, rescanInterval, maxConnections, key);
  }

  @Override
  public String toString() {
    return "PeerConfig[tracker=" + tracker + ", share=" + share + ", name=" + name + ", host=" + host + ", port=" + port
        + ", advertise=" + advertise + ", controlPort=" + controlPort + ", uploadLimit=" + uploadLimit
        + ", maxUploads=" + maxUploads + ", sources=" + sources + ", joinKey=" + (joinKey == null ? "none" : "[set]") + "]";
  }

  private static void requireHttpUrl(String option, String url) {
    try {
      URI uri = new URI(url);
      if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
        return;
      }
    } catch (Exception e) {
      // reported below
    }
    throw new IllegalArgumentException(option + " must be an http(s) URL such as http://127.0.0.1:8080, not '" + url + "'");
  }

  /** The tracker checks it the same way: better refused here, at start, than at every registration. */
  private static void requirePeerAddress(String advertise) {
    try {
      PeerAddress.parse(advertise);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--advertise must be the http(s) URL other peers reach this one at, such as "
          + "http://10.0.0.5:7001: " + e.getMessage());
    }
  }

  private static void requirePort(String option, int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(option + " must be between 0 and 65535, not " + port);
    }
  }
}
