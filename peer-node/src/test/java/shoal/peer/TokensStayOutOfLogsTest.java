package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.RawHttp;
import shoal.peer.testing.TestFiles;

/** Whatever a request to the control port carries, its token is never written to the log. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
@DisplayName("Tokens stay out of logs")
class TokensStayOutOfLogsTest {

  private static final String TOKEN = "s3cret-control-token-7d1f";

  @TempDir
  Path share;
  private PeerNetwork network;
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private Logger root;

  @BeforeEach
  void capture(Vertx vertx) {
    root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    logged.start();
    root.addAppender(logged);
    network = PeerNetwork.start(vertx);
  }

  @AfterEach
  void release() {
    network.close();
    root.detachAppender(logged);
  }

  @Test
  @DisplayName("Requests with the token in the query or a header, answered 200, 4xx or refused, log no token")
  void tokensAreNotLogged() throws Exception {
    TestFiles.text(share.resolve("hello.txt"), "hello");
    PeerNode peer = network.peer("quiet", share, config -> new PeerConfig(config.tracker(), config.share(), config.name(),
        config.host(), 0, null, 0, TOKEN, 0, 8, config.patience(), config.idleTimeout(), config.rescanInterval()));
    int port = peer.controlPort();

    assertThat(RawHttp.send(port, "GET", "/api/v1/status?token=" + TOKEN).status()).isEqualTo(200);
    assertThat(RawHttp.send(port, "GET", "/nowhere?token=" + TOKEN).status()).isEqualTo(404);
    assertThat(RawHttp.send(port, "GET", "/api/v1/downloads/nope", "Authorization: Bearer " + TOKEN).status()).isEqualTo(404);
    // Queries that cannot be decoded: once answered 500 and logged with the decoder's message.
    assertThat(RawHttp.send(port, "GET", "/api/v1/status?token=" + TOKEN + "&q=%zz").status()).isEqualTo(400);
    assertThat(RawHttp.send(port, "GET", "/control?token=" + TOKEN + "&q=%zz", "Upgrade: websocket", "Connection: Upgrade",
        "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==").status()).isEqualTo(400);
    assertThat(RawHttp.send(port, "POST", "/api/v1/downloads?token=" + TOKEN, "Content-Type: application/json",
        "Content-Length: 0").status()).isEqualTo(400);
    assertThat(RawHttp.send(port, "GET", "/api/v1/status?token=" + TOKEN, "Host: evil.example:" + port).status()).isEqualTo(403);
    peer.close();

    List<String> lines = logged.list.stream()
        .map(event -> event.getFormattedMessage()
            + (event.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(event.getThrowableProxy())))
        .toList();
    assertThat(lines).noneMatch(line -> line.contains(TOKEN));
  }
}
