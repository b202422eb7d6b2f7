package shoal.common.net;

import java.net.InetAddress;
import java.net.URI;

/** Interim: replaced by the full checks of the tracker branch. */
public record PeerAddress(String base, String host, int port, boolean tls, String prefix) {

  public static PeerAddress parse(String text) {
    URI uri;
    try {
      uri = new URI(text);
    } catch (Exception e) {
      throw new IllegalArgumentException("not a URL");
    }
    if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getHost() == null) {
      throw new IllegalArgumentException("not a plain http(s)://host[:port][/prefix] address");
    }
    boolean tls = "https".equals(uri.getScheme());
    String prefix = uri.getRawPath() == null ? "" : uri.getRawPath().replaceAll("/+$", "");
    int port = uri.getPort() > 0 ? uri.getPort() : tls ? 443 : 80;
    return new PeerAddress(text.replaceAll("/+$", ""), uri.getHost(), port, tls, prefix);
  }

  public static boolean isForbidden(InetAddress address) {
    return address.isLinkLocalAddress() || address.isAnyLocalAddress() || address.isMulticastAddress();
  }

  public String filesPath(String sha256) {
    return prefix + "/files/" + sha256;
  }
}
