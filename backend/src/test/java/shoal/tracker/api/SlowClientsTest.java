package shoal.tracker.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import shoal.tracker.Tracker;
import shoal.tracker.testing.MisbehavingClient;
import shoal.tracker.testing.TestTrackers;

/** Clients that connect and dawdle cannot hold the tracker's connections. */
@Timeout(60)
@DisplayName("Slow and idle clients at the tracker")
class SlowClientsTest {

  private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(1);
  /** Checks happen at most a timer tick late; a loaded CI machine gets some seconds more. */
  private static final Duration MARGIN = Duration.ofSeconds(3);
  /** Faster than the idle timeout, so that only the head or body deadline can cut the client off. */
  private static final Duration DRIP = Duration.ofMillis(300);
  private static final int CAP = 4;

  private static Tracker tracker;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void startTracker() {
    tracker = TestTrackers.start(config -> config.withIdleTimeout(IDLE_TIMEOUT).withMaxConnections(CAP));
  }

  @AfterAll
  static void stopTracker() {
    tracker.close();
  }

  @Test
  @DisplayName("A client dripping its headers a byte at a time is cut off within --idle-timeout, and others are still served")
  void slowHeadersAreCutOff() throws Exception {
    MisbehavingClient.Outcome outcome = MisbehavingClient.drip(tracker.port(),
        "GET /api/v1/stats HTTP/1.1\r\nHost: 127.0.0.1:" + tracker.port() + "\r\nX-a: ", DRIP, IDLE_TIMEOUT.plus(MARGIN).plusSeconds(5));

    assertThat(outcome.closedByServer()).as("closed by the tracker").isTrue();
    assertThat(outcome.took()).isLessThan(IDLE_TIMEOUT.plus(MARGIN));
    assertThat(stats()).isEqualTo(200);
  }

  @Test
  @DisplayName("A registration whose body trickles in (never idle, never done) is answered 408 request_timeout and closed within --idle-timeout")
  void slowBodiesAreCutOff() throws Exception {
    // Never idle for the 1 s timeout, yet 1000 bytes would take five minutes.
    MisbehavingClient.Outcome outcome = MisbehavingClient.drip(tracker.port(),
        "POST /api/v1/peers HTTP/1.1\r\nHost: 127.0.0.1:" + tracker.port()
            + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"name\":\"",
        DRIP, IDLE_TIMEOUT.plus(MARGIN).plusSeconds(5));

    assertThat(outcome.closedByServer()).as("closed by the tracker").isTrue();
    assertThat(outcome.took()).isLessThan(IDLE_TIMEOUT.plus(MARGIN));
    assertThat(outcome.received()).startsWith("HTTP/1.1 408").contains("\"error\":\"request_timeout\"");
    assertThat(stats()).isEqualTo(200);
  }

  @Test
  @DisplayName("A connection that sends nothing is closed within --idle-timeout")
  void silentConnectionsAreClosed() throws Exception {
    List<Socket> silent = MisbehavingClient.openSilent(tracker.port(), 1);
    try {
      long started = System.nanoTime();
      assertThat(MisbehavingClient.closedWithin(silent.get(0), IDLE_TIMEOUT.plus(MARGIN))).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(IDLE_TIMEOUT.minusMillis(100));
    } finally {
      MisbehavingClient.closeAll(silent);
    }
  }

  @Test
  @DisplayName("Connections beyond the cap are closed at once; once the others go, requests are served again")
  void connectionsAreCapped() throws Exception {
    List<Socket> held = MisbehavingClient.openSilent(tracker.port(), CAP);
    List<Socket> extra = MisbehavingClient.openSilent(tracker.port(), 2);
    try {
      for (Socket socket : extra) {
        assertThat(MisbehavingClient.closedWithin(socket, Duration.ofMillis(500))).as("an extra connection").isTrue();
      }
      assertThat(MisbehavingClient.closedWithin(held.get(0), Duration.ofMillis(200))).as("a connection within the cap").isFalse();
    } finally {
      MisbehavingClient.closeAll(held);
      MisbehavingClient.closeAll(extra);
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    int status = 0;
    while (status != 200 && System.nanoTime() < deadline) {
      try {
        status = stats();
      } catch (java.io.IOException refusedWhileClosing) {
        Thread.sleep(100);
      }
    }
    assertThat(status).isEqualTo(200);
  }

  private int stats() throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(tracker.url() + "/api/v1/stats"))
        .timeout(Duration.ofSeconds(10)).build();
    return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
