package shoal.common.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("A peer's files address is checked before anyone fetches from it")
class PeerAddressTest {

  private static final String SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  @Test
  @DisplayName("a LAN address is accepted, with the default port and no prefix")
  void lanAddress() {
    PeerAddress address = PeerAddress.parse("http://192.168.1.10:7001");

    assertThat(address.base()).isEqualTo("http://192.168.1.10:7001");
    assertThat(address.host()).isEqualTo("192.168.1.10");
    assertThat(address.port()).isEqualTo(7001);
    assertThat(address.tls()).isFalse();
    assertThat(address.filesUrl(SHA)).isEqualTo("http://192.168.1.10:7001/files/" + SHA);
    assertThat(address.filesPath(SHA)).isEqualTo("/files/" + SHA);
  }

  @Test
  @DisplayName("an https address with a path prefix keeps the prefix, without its trailing slash")
  void httpsWithPrefix() {
    PeerAddress address = PeerAddress.parse("https://Peer.LAN/shoal/");

    assertThat(address.base()).isEqualTo("https://peer.lan/shoal");
    assertThat(address.host()).isEqualTo("peer.lan");
    assertThat(address.port()).isEqualTo(443);
    assertThat(address.tls()).isTrue();
    assertThat(address.filesUrl(SHA)).isEqualTo("https://peer.lan/shoal/files/" + SHA);
    assertThat(address.filesPath(SHA)).isEqualTo("/shoal/files/" + SHA);
    assertThat(PeerAddress.parse("HTTP://peer.lan").port()).isEqualTo(80);
    assertThat(PeerAddress.parse("http://peer.lan/").base()).isEqualTo("http://peer.lan");
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://127.0.0.1:7001", "http://localhost:7001", "http://[::1]:7001", "http://10.0.0.5:7001",
      "http://172.16.4.2", "http://172.31.255.254", "http://[fd12:3456::1]:7001", "http://[fc00::1]", "http://peer-1.office.lan:8080",
      "https://files.example.com/prefix/deeper", "http://100.64.0.1", "http://[2001:db8::5]:7001", "http://peer.local."})
  @DisplayName("loopback, private ranges and ordinary host names stay allowed: a LAN is the normal case")
  void ordinaryAddressesAreAccepted(String text) {
    assertThat(PeerAddress.parse(text).base()).isNotBlank();
  }

  @Test
  @DisplayName("an IPv6 host keeps its brackets in the base and loses them in host()")
  void ipv6Host() {
    PeerAddress address = PeerAddress.parse("http://[FD12::1]:7001/");

    assertThat(address.base()).isEqualTo("http://[fd12::1]:7001");
    assertThat(address.host()).isEqualTo("fd12::1");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "http://127.0.0.1:7001/internal/admin?x=1#|query",
      "http://10.0.0.5:7001/?|query",
      "http://10.0.0.5:7001/#|fragment",
      "http://10.0.0.5:7001#top|fragment",
      "http://user:pw@10.0.0.5:7001|user name or password",
      "http://user@10.0.0.5:7001|user name or password",
      "http://[fe80::1]:7001|link-local",
      "http://169.254.10.20:7001|link-local",
      "http://169.254.169.254|metadata",
      "http://169.254.169.254/latest/meta-data|metadata",
      "http://[::ffff:169.254.169.254]|metadata",
      "http://[::169.254.169.254]|metadata",
      "http://[64:ff9b::a9fe:a9fe]|metadata",
      "http://[fd00:ec2::254]|metadata",
      "http://100.100.100.200|metadata",
      "http://metadata.google.internal|metadata",
      "http://METADATA.google.internal.|metadata",
      "http://metadata|metadata",
      "http://metadata.goog/computeMetadata|metadata",
      "http://instance-data|metadata",
      "http://instance-data.ec2.internal|metadata",
      "http://0.0.0.0:7001|unspecified",
      "http://0.1.2.3:7001|unspecified",
      "http://[::]:7001|unspecified",
      "http://224.0.0.1:7001|multicast",
      "http://[ff02::1]:7001|multicast",
      "http://255.255.255.255|broadcast",
      "http://2852039166|four decimal numbers",
      "http://0x7f.1|host",
      "http://0177.0.0.1|four decimal numbers",
      "http://127.1|host",
      "http://10.0.0.5:0|port",
      "http://10.0.0.5:65536|port",
      "ftp://10.0.0.5/files|http or https",
      "file:///etc/passwd|http or https",
      "/files|http or https",
      "10.0.0.5:7001|such as http://10.0.0.5:7001",
      "http:relative|host",
      "http://|not a URL",
      "http://bad_host:7001|host",
      "http://10.0.0.5/a/../admin|'..'",
      "http://10.0.0.5 /|not a URL"})
  @DisplayName("an address that is not a plain files URL, or points where no peer lives, is refused with a sentence")
  void badAddressesAreRefused(String text, String said) {
    assertThatThrownBy(() -> PeerAddress.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(said)
        .hasMessageEndingWith(".");
  }

  @Test
  @DisplayName("a missing address is refused with a sentence")
  void missingAddress() {
    assertThatThrownBy(() -> PeerAddress.parse(null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needed");
    assertThatThrownBy(() -> PeerAddress.parse(" ")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needed");
  }

  @Test
  @DisplayName("a downloader can check an address it resolved a host name to")
  void resolvedAddresses() throws Exception {
    for (String forbidden : new String[] {"169.254.169.254", "169.254.1.1", "fe80::1", "0.0.0.0", "::", "224.0.0.251",
        "ff02::fb", "255.255.255.255", "fd00:ec2::254", "100.100.100.200", "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe"}) {
      assertThat(PeerAddress.isForbidden(InetAddress.getByName(forbidden))).as(forbidden).isTrue();
    }
    for (String allowed : new String[] {"127.0.0.1", "::1", "10.1.2.3", "172.20.0.1", "192.168.0.7", "fd12::7",
        "8.8.8.8", "2001:db8::1", "100.64.1.1", "64:ff9b::a00:5"}) {
      assertThat(PeerAddress.isForbidden(InetAddress.getByName(allowed))).as(allowed).isFalse();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://127.0.0.1:7001", "http://127.8.9.10", "http://localhost:7001", "http://LOCALHOST.:7001",
      "http://peer.localhost", "http://[::1]:7001", "http://[::ffff:127.0.0.1]:7001", "http://[::127.0.0.1]"})
  @DisplayName("an address only its own machine can reach is known as loopback, without any DNS lookup")
  void loopbackAddresses(String text) {
    assertThat(PeerAddress.parse(text).isLoopback()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://10.231.7.2:7001", "http://128.0.0.1", "http://peer.lan", "http://localhost.example.com",
      "http://[fd12::1]:7001", "http://[2001:db8::1]"})
  @DisplayName("an address other machines may reach is not loopback")
  void otherAddresses(String text) {
    assertThat(PeerAddress.parse(text).isLoopback()).isFalse();
  }

  @Test
  @DisplayName("a client's IP address is judged loopback the same way")
  void loopbackClients() {
    assertThat(PeerAddress.isLoopbackIp("127.0.0.1")).isTrue();
    assertThat(PeerAddress.isLoopbackIp("0:0:0:0:0:0:0:1")).isTrue();
    assertThat(PeerAddress.isLoopbackIp("::ffff:127.0.0.2")).isTrue();
    assertThat(PeerAddress.isLoopbackIp("10.231.7.2")).isFalse();
    assertThat(PeerAddress.isLoopbackIp("fd12::1")).isFalse();
    assertThat(PeerAddress.isLoopbackIp("not an address")).isFalse();
  }
}
