package shoal.common.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A peer's files address, checked: {@code http(s)://host[:port][/prefix]} and nothing more.
 * Every peer fetches from the addresses other peers advertise, so an address is a request a
 * stranger makes on the downloader's behalf. It may not carry credentials, a query or a fragment
 * (a downloader appends {@code /files/<sha256>}, which a query or fragment would swallow, turning
 * it into a request for any URL the peer likes), nor point at addresses no peer lives on but
 * machines trust: link-local and cloud metadata services, the unspecified address, multicast and
 * broadcast. Loopback and private ranges stay allowed: a LAN is Shoal's normal case.
 *
 * <p>Only IP literals are classified here, without any DNS lookup; a downloader checks the
 * addresses it resolves a host name to with {@link #isForbidden(InetAddress)}.
 * Instances exist only through {@link #parse}, so holding one means the checks have passed.
 */
public final class PeerAddress {

  private static final Set<String> METADATA_HOSTS = Set.of(
      "metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal");

  private static final Set<InetAddress> METADATA_ADDRESSES = Set.of(
      literal("169.254.169.254"), literal("fd00:ec2::254"), literal("100.100.100.200"));

  /** A last label that a URL parser or {@code inet_aton} would read as a number. */
  private static final Pattern NUMERIC_LABEL = Pattern.compile("[0-9]+|0[xX][0-9a-fA-F]*");

  private static final Pattern DOTTED_QUAD =
      Pattern.compile("(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}");

  /** The NAT64 well-known prefix 64:ff9b::/96, which carries an IPv4 address in its last 4 bytes. */
  private static final byte[] NAT64_PREFIX = {0, 0x64, (byte) 0xff, (byte) 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};

  private final String base;
  private final String host;
  private final int port;
  private final boolean tls;
  private final String prefix;

  private PeerAddress(String base, String host, int port, boolean tls, String prefix) {
    this.base = base;
    this.host = host;
    this.port = port;
    this.tls = tls;
    this.prefix = prefix;
  }

  /**
   * Reads and checks a peer's address.
   *
   * @throws IllegalArgumentException with a sentence saying what is wrong
   */
  public static PeerAddress parse(String text) {
    if (text == null || text.isBlank()) {
      throw refused("An address is needed, such as http://10.0.0.5:7001.");
    }
    // A '?' or '#' can only be a delimiter in a URL (elsewhere it is percent-encoded), so even an
    // empty query or fragment is seen here; java.net.URI would report those as absent.
    if (text.indexOf('?') >= 0) {
      throw refused("The address " + text + " has a query ('?'); a peer's address is http(s)://host[:port][/prefix] and nothing more.");
    }
    if (text.indexOf('#') >= 0) {
      throw refused("The address " + text + " has a fragment ('#'); a peer's address is http(s)://host[:port][/prefix] and nothing more.");
    }
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw refused("The address " + text + " is not a URL such as http://10.0.0.5:7001 (" + e.getReason() + ").");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw refused("The address " + text + " is not an absolute http or https URL such as http://10.0.0.5:7001.");
    }
    if (uri.getRawUserInfo() != null || (uri.getRawAuthority() != null && uri.getRawAuthority().contains("@"))) {
      throw refused("The address " + text + " carries a user name or password ('@'), which every downloader would send on.");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw refused("The address " + text + " has no host that Shoal can read (letters, digits, '-' and '.', or an IP address).");
    }
    boolean tls = scheme.equals("https");
    int port = uri.getPort();
    if (port == 0 || port > 65_535) {
      throw refused("The address " + text + " has port " + port + "; a port is a number from 1 to 65535.");
    }
    String host = uri.getHost().toLowerCase(Locale.ROOT);
    checkHost(text, host);
    String prefix = prefix(text, uri.getRawPath());
    String authority = host + (port < 0 ? "" : ":" + port);
    return new PeerAddress(scheme + "://" + authority + prefix, unbracketed(host), port < 0 ? (tls ? 443 : 80) : port, tls, prefix);
  }

  /** The normalized address: scheme and host lower-cased, no trailing slash. */
  public String base() {
    return base;
  }

  /** The host name or IP literal, an IPv6 one without brackets. */
  public String host() {
    return host;
  }

  /** The port, 80 or 443 when the address gives none. */
  public int port() {
    return port;
  }

  /** Whether the address is {@code https}. */
  public boolean tls() {
    return tls;
  }

  /** The path prefix: empty, or starting with {@code /} and never ending with one. */
  public String prefix() {
    return prefix;
  }

  /** {@code base/files/<sha256>}: where this peer serves the file. */
  public String filesUrl(String sha256) {
    return base + "/files/" + sha256;
  }

  /** {@code prefix/files/<sha256>}: the request path of {@link #filesUrl}, for an HTTP client given host and port. */
  public String filesPath(String sha256) {
    return prefix + "/files/" + sha256;
  }

  /**
   * Whether only this address's own machine can reach it: {@code localhost} (and names under
   * {@code .localhost}, which resolvers keep on the machine), {@code 127.0.0.0/8} and {@code ::1},
   * also when carried inside IPv6. Other host names are not looked up: what they resolve to is
   * for the downloader to find out.
   */
  public boolean isLoopback() {
    String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    if (name.equals("localhost") || name.endsWith(".localhost")) {
      return true;
    }
    return isLoopbackIp(name);
  }

  /**
   * Whether {@code ip}, an IP literal such as a connection's remote address, is loopback; false for
   * anything that is not an IP literal, which is never looked up.
   */
  public static boolean isLoopbackIp(String ip) {
    if (ip == null || !(ip.indexOf(':') >= 0 || DOTTED_QUAD.matcher(ip).matches())) {
      return false;
    }
    InetAddress address;
    try {
      address = InetAddress.getByName(ip);
    } catch (UnknownHostException e) {
      return false;
    }
    InetAddress carried = address instanceof Inet6Address v6 ? carriedIpv4(v6) : null;
    return address.isLoopbackAddress() || (carried != null && carried.isLoopbackAddress());
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof PeerAddress address && address.base.equals(base);
  }

  @Override
  public int hashCode() {
    return base.hashCode();
  }

  @Override
  public String toString() {
    return base;
  }

  /**
   * Whether a downloader must not connect to this address: unspecified ({@code 0.0.0.0/8},
   * {@code ::}), link-local ({@code 169.254.0.0/16}, {@code fe80::/10}), multicast, the IPv4
   * broadcast address, or a cloud metadata service. IPv4 addresses carried inside IPv6 ones
   * (compatible or NAT64) are judged as the IPv4 address they carry; Java already turns
   * IPv4-mapped literals ({@code ::ffff:a.b.c.d}) into IPv4 addresses.
   */
  public static boolean isForbidden(InetAddress address) {
    if (address instanceof Inet6Address v6) {
      InetAddress carried = carriedIpv4(v6);
      if (carried != null && isForbidden(carried)) {
        return true;
      }
    }
    byte[] bytes = address.getAddress();
    boolean thisNetwork = address instanceof Inet4Address && bytes[0] == 0;
    boolean broadcast = address instanceof Inet4Address && Arrays.equals(bytes, new byte[] {-1, -1, -1, -1});
    return address.isAnyLocalAddress() || thisNetwork || address.isLinkLocalAddress() || address.isMulticastAddress()
        || broadcast || METADATA_ADDRESSES.contains(address);
  }

  private static void checkHost(String text, String host) {
    String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    if (METADATA_HOSTS.contains(name)) {
      throw refused("The address " + text + " names a cloud metadata service, which no peer is.");
    }
    InetAddress ip = ipLiteral(text, name);
    if (ip == null) {
      return;
    }
    InetAddress carried = ip instanceof Inet6Address v6 ? carriedIpv4(v6) : null;
    if (METADATA_ADDRESSES.contains(ip) || (carried != null && METADATA_ADDRESSES.contains(carried))) {
      throw refused("The address " + text + " is a cloud metadata service's, which no peer is.");
    }
    if (isForbidden(ip)) {
      throw refused("The address " + text + " is " + kind(ip) + ", which no peer can be reached at.");
    }
  }

  /**
   * The IP address a host literal stands for, or null for a host name. A host whose last label is
   * a number must be a plain dotted quad: {@code 2130706433}, {@code 0x7f.1} or {@code 0177.0.0.1}
   * mean 127.0.0.1 to some resolvers and something else (or nothing) to others.
   */
  private static InetAddress ipLiteral(String text, String name) {
    if (name.startsWith("[")) {
      return literal(unbracketed(name));
    }
    String last = name.substring(name.lastIndexOf('.') + 1);
    if (!NUMERIC_LABEL.matcher(last).matches()) {
      return null;
    }
    if (!DOTTED_QUAD.matcher(name).matches()) {
      throw refused("The address " + text + " writes an IPv4 address in a form resolvers disagree on; write it as four decimal numbers, such as 10.0.0.5.");
    }
    return literal(name);
  }

  private static InetAddress carriedIpv4(Inet6Address address) {
    byte[] bytes = address.getAddress();
    boolean nat64 = Arrays.equals(Arrays.copyOf(bytes, 12), NAT64_PREFIX);
    // ::a.b.c.d, except ::1 and :: (loopback and unspecified), which Java counts as compatible too.
    boolean compatible = address.isIPv4CompatibleAddress() && bytes[12] != 0;
    if (!compatible && !nat64) {
      return null;
    }
    return literal(Arrays.copyOfRange(bytes, 12, 16));
  }

  private static String kind(InetAddress ip) {
    if (ip.isAnyLocalAddress() || (ip instanceof Inet4Address && ip.getAddress()[0] == 0)) {
      return "the unspecified address";
    }
    if (ip.isLinkLocalAddress()) {
      return "a link-local address";
    }
    if (ip.isMulticastAddress()) {
      return "a multicast address";
    }
    if (ip instanceof Inet4Address) {
      return ip.getAddress()[0] == -1 ? "the broadcast address" : "an IPv4 address carried in IPv6 that is not allowed";
    }
    return "an IPv6 address carrying an IPv4 one that is not allowed";
  }

  /** The path prefix without trailing slashes; dot segments are refused, they only obscure. */
  private static String prefix(String text, String rawPath) {
    String path = rawPath == null ? "" : rawPath;
    int end = path.length();
    while (end > 0 && path.charAt(end - 1) == '/') {
      end--;
    }
    path = path.substring(0, end);
    for (String segment : path.split("/", -1)) {
      if (segment.equals(".") || segment.equals("..")) {
        throw refused("The address " + text + " has '" + segment + "' in its path; write the path prefix without it.");
      }
    }
    return path;
  }

  private static String unbracketed(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  /** An IP literal as an address; never a DNS lookup, because only literals reach here. */
  private static InetAddress literal(String ip) {
    try {
      return InetAddress.getByName(ip);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("'" + ip + "' is not an IP address.", e);
    }
  }

  private static InetAddress literal(byte[] ip) {
    try {
      return InetAddress.getByAddress(ip);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  private static IllegalArgumentException refused(String sentence) {
    return new IllegalArgumentException(sentence);
  }
}
