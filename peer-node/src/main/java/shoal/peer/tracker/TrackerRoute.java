package shoal.peer.tracker;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.URI;
import java.util.Optional;

/**
 * Where a peer listens and what it advertises when the user names neither: the local address
 * this machine reaches the tracker from. Other peers reach the tracker over the same network, so
 * that address is the one most likely to reach this peer too. A tracker on loopback means a
 * group on one machine, which keeps everything on 127.0.0.1.
 */
public final class TrackerRoute {

  /** The files port's host when the tracker is on this machine's loopback, or cannot be routed to. */
  public static final String LOOPBACK = "127.0.0.1";

  private TrackerRoute() {}

  /**
   * The local IP address packets to the tracker leave from, or empty when the tracker's host is
   * loopback, cannot be resolved, or has no route. A UDP socket is connected to it, which makes
   * the kernel choose the route and source address without sending anything.
   */
  public static Optional<String> localAddress(String trackerUrl) {
    try {
      URI uri = new URI(trackerUrl);
      InetAddress tracker = InetAddress.getByName(uri.getHost());
      if (tracker.isLoopbackAddress() || tracker.isAnyLocalAddress()) {
        return Optional.empty();
      }
      int port = uri.getPort() > 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
      try (DatagramSocket socket = new DatagramSocket()) {
        socket.connect(tracker, port);
        InetAddress local = socket.getLocalAddress();
        return local == null || local.isAnyLocalAddress() ? Optional.empty() : Optional.of(local.getHostAddress());
      }
    } catch (Exception e) {
      // Unresolvable or unroutable now: the peer keeps to loopback, and its registration says what to set.
      return Optional.empty();
    }
  }

  /** {@code --host}'s default: {@link #localAddress}, or {@value #LOOPBACK} for a tracker on loopback. */
  public static String defaultHost(String trackerUrl) {
    return localAddress(trackerUrl).orElse(LOOPBACK);
  }

  /** Whether {@code host} is a wildcard that listens on every interface, and so no address to give others. */
  public static boolean isWildcard(String host) {
    return switch (host) {
      case "0.0.0.0", "::", "[::]", "0:0:0:0:0:0:0:0" -> true;
      default -> false;
    };
  }
}
