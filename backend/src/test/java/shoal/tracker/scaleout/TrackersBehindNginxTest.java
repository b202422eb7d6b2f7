package shoal.tracker.scaleout;

import static org.assertj.core.api.Assertions.assertThat;
import static shoal.tracker.testing.TrackerApi.file;
import static shoal.tracker.testing.TrackerApi.sha;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import shoal.tracker.Tracker;
import shoal.tracker.testing.BridgeSocket;
import shoal.tracker.testing.HeadlessChromium;
import shoal.tracker.testing.Nginx;
import shoal.tracker.testing.Nginx.Logged;
import shoal.tracker.testing.TrackerApi;
import shoal.tracker.testing.TrackerApi.Peer;
import shoal.tracker.testing.TrackerExtension;
import shoal.tracker.testing.XhrPollingSession;

/**
 * Two trackers on one PostgreSQL behind a real nginx running the repository's own
 * {@code deploy/nginx/shoal.conf}, as the README's scale-out section tells users to run them.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("Two trackers behind nginx")
class TrackersBehindNginxTest {

  /** How long a change made through one tracker may take to show through the other: NOTIFY, then the page. */
  private static final Duration LIVE = Duration.ofSeconds(5);
  /** A SockJS session path: /eventbus/{server}/{session}/{transport}. */
  private static final String SESSION_PATH = "^/eventbus/[^/]+/([^/]+)/[^/]+$";
  /** A SockJS session's WebSocket, as the page's client opens it. */
  private static final String SESSION_WEBSOCKET = "^/eventbus/[^/]+/[^/]+/websocket$";

  @RegisterExtension
  static final TrackerExtension trackers = TrackerExtension.withTwin();

  private static Nginx nginx;

  @BeforeAll
  static void startNginx() {
    nginx = Nginx.start(hostPort(trackers.tracker()), hostPort(trackers.twin()));
  }

  @AfterAll
  static void stopNginx() {
    if (nginx != null) {
      // In the test's report: what nginx said about the requests it could not pass on, if any.
      System.err.print(nginx.diagnostics());
      nginx.close();
    }
  }

  @Test
  @DisplayName("a dashboard opened through nginx shows, live, the peers that join through either tracker, its events coming over a WebSocket")
  void dashboardSeesChangesThroughEitherTracker(Vertx vertx) {
    TrackerApi viaA = trackers.api(vertx);
    TrackerApi viaB = trackers.twinApi(vertx);
    try (HeadlessChromium browser = HeadlessChromium.start()) {
      browser.open(nginx.url() + "/");
      browser.waitFor(Duration.ofSeconds(15), d -> browser.text("#connection").equals("live"));

      viaA.register("joined-through-a", List.of(file(sha("page-a"), "shared-through-a.txt", 10)));
      browser.waitFor(LIVE, d -> browser.text("#peers").contains("joined-through-a")
          && browser.text("#files").contains("shared-through-a.txt"));
      viaB.register("joined-through-b", List.of(file(sha("page-b"), "shared-through-b.txt", 20)));
      browser.waitFor(LIVE, d -> browser.text("#peers").contains("joined-through-b")
          && browser.text("#files").contains("shared-through-b.txt"));
      assertThat(browser.consoleErrors()).as("errors in the page's console").isEmpty();
      // Leaving the page closes its socket, which nginx logs only then.
      browser.open("about:blank");
    }

    // Without the upgrade, SockJS would fall back to HTTP streaming and the page would still look
    // live: nginx's log tells which transport the page's events took.
    assertThat(eventually(LIVE, () -> nginx.accessLog().stream()
        .anyMatch(request -> request.path().matches(SESSION_WEBSOCKET) && request.status() == 101)))
        .as("the page's SockJS WebSocket was upgraded through nginx; logged: " + nginx.accessLog()).isTrue();
  }

  @Test
  @DisplayName("an event-bus WebSocket opened through nginx receives the events of changes made through each tracker")
  void webSocketThroughNginxReceivesEventsOfBothTrackers(Vertx vertx) throws InterruptedException {
    try (BridgeSocket socket = BridgeSocket.open(vertx, nginx.port())) {
      socket.listenTo("shoal.events");

      trackers.api(vertx).register("socket-through-a", List.of());
      assertThat(socket.nextEvent("peer.joined").getString("name")).isEqualTo("socket-through-a");
      trackers.twinApi(vertx).register("socket-through-b", List.of());
      assertThat(socket.nextEvent("peer.joined").getString("name")).isEqualTo("socket-through-b");
    }
    assertThat(eventually(LIVE, () -> nginx.accessLog().stream()
        .anyMatch(request -> request.path().equals("/eventbus/websocket") && request.status() == 101)))
        .as("nginx logged the upgrade; logged: " + nginx.accessLog()).isTrue();
  }

  @Test
  @DisplayName("a SockJS session on the polling transport stays with the tracker that opened it, while sessions spread over both")
  void pollingSessionsAreSticky(Vertx vertx) {
    TrackerApi viaNginx = new TrackerApi(vertx, nginx.url());
    List<XhrPollingSession> sessions = IntStream.range(0, 12).mapToObj(i -> new XhrPollingSession(viaNginx)).toList();
    // Each session is opened, then sent frames: a send reaching a tracker other than the one that
    // opened its session would be 404, as that tracker has no such session. All at once, as a
    // session that is not polled again within 5 s is closed.
    TrackerApi.await(Future.all(sessions.stream().map(session -> session.listenTo("shoal.events")).toList()));

    trackers.api(vertx).register("polled-through-a", List.of());
    TrackerApi.await(Future.all(sessions.stream().map(session -> session.pollUntil("polled-through-a", LIVE)).toList()));

    List<String> ids = sessions.stream().map(XhrPollingSession::id).toList();
    assertThat(eventually(LIVE, () -> upstreamsBySession().keySet().containsAll(ids))).as("every session logged").isTrue();
    Map<String, Set<String>> upstreamsBySession = upstreamsBySession();
    upstreamsBySession.keySet().retainAll(ids);
    assertThat(upstreamsBySession.values()).as("trackers serving each session").allSatisfy(upstreams -> assertThat(upstreams).hasSize(1));
    assertThat(upstreamsBySession.values().stream().flatMap(Set::stream).collect(Collectors.toSet()))
        .as("trackers serving the sessions").containsExactlyInAnyOrder(hostPort(trackers.tracker()), hostPort(trackers.twin()));
  }

  @Test
  @DisplayName("the REST API works through nginx, reads and writes spread over both trackers, with the tracker's errors and body limit")
  void restApiThroughNginx(Vertx vertx) {
    TrackerApi viaNginx = new TrackerApi(vertx, nginx.url());
    String report = sha("rest-report");
    Peer holder = viaNginx.register("rest-holder", List.of(file(report, "rest-report.pdf", 4_096)));
    Peer reader = viaNginx.register("rest-reader", List.of());
    assertThat(viaNginx.post("/api/v1/peers/" + holder.peerId() + "/heartbeat", holder.token(), null).statusCode()).isEqualTo(200);
    assertThat(viaNginx.get("/api/v1/peers/" + holder.peerId()).bodyAsJsonObject().getString("name")).isEqualTo("rest-holder");
    // Every tracker knows the file before the reader asks for it through whichever nginx picks.
    assertThat(eventually(LIVE, () -> trackers.api(vertx).get("/api/v1/files/" + report).statusCode() == 200
        && trackers.twinApi(vertx).get("/api/v1/files/" + report).statusCode() == 200)).isTrue();
    assertThat(viaNginx.get("/api/v1/files?q=REST-report").bodyAsJsonArray().getJsonObject(0).getString("sha256")).isEqualTo(report);

    HttpResponse<Buffer> lease = viaNginx.startTransfer(reader, report);
    assertThat(lease.statusCode()).as(lease.bodyAsString()).isEqualTo(201);
    assertThat(lease.bodyAsJsonObject().getJsonObject("source").getString("peerId")).isEqualTo(holder.peerId());
    String transfer = "/api/v1/transfers/" + lease.bodyAsJsonObject().getString("transferId");
    assertThat(viaNginx.post(transfer + "/progress", reader.token(), new JsonObject().put("bytes", 2_048)).statusCode()).isEqualTo(200);
    assertThat(viaNginx.post(transfer + "/complete", reader.token(), null).statusCode()).isEqualTo(200);
    assertThat(eventually(LIVE, () -> viaNginx.get("/api/v1/files/" + report).bodyAsJsonObject().getJsonArray("holders").size() == 2))
        .as("the reader holds the report too").isTrue();
    assertThat(viaNginx.get("/api/v1/stats").bodyAsJsonObject().getLong("completedTransfers")).isGreaterThanOrEqualTo(1);
    assertThat(viaNginx.delete("/api/v1/peers/" + reader.peerId(), reader.token()).statusCode()).isEqualTo(204);
    assertThat(eventually(LIVE, () -> viaNginx.get("/api/v1/peers/" + reader.peerId()).statusCode() == 404)).isTrue();

    assertError(viaNginx.get("/api/v1/files/not-a-sha256"), 400, "invalid_request");
    assertError(viaNginx.delete("/api/v1/peers/" + holder.peerId(), reader.token()), 403, "forbidden");
    // The tracker reads bodies up to 4 MiB and refuses larger ones itself; nginx's own limit lies above.
    assertThat(viaNginx.post("/api/v1/peers", null, padded(4 * 1024 * 1024 - 1024)).statusCode()).isNotEqualTo(413).isLessThan(500);
    assertError(viaNginx.post("/api/v1/peers", null, padded(4 * 1024 * 1024 + 1024)), 413, "payload_too_large");
    assertError(viaNginx.post("/api/v1/peers", null, padded(6 * 1024 * 1024)), 413, "payload_too_large");

    assertThat(eventually(LIVE, () -> restUpstreams().contains("-"))).as("the last request logged").isTrue();
    assertThat(restUpstreams()).as("who answered the API through nginx ('-' is nginx itself, for the 6 MiB body)")
        .containsExactlyInAnyOrder(hostPort(trackers.tracker()), hostPort(trackers.twin()), "-");
  }

  @Test
  @DisplayName("through nginx, the dashboard's own origin may write while another site's pages are refused")
  void originChecksSeeTheAddressUsersOpen(Vertx vertx) {
    TrackerApi viaNginx = new TrackerApi(vertx, nginx.url());
    String registration = new JsonObject().put("name", "same-origin").put("address", "http://127.0.0.1:7001").encode();

    HttpResponse<Buffer> own = viaNginx.sendRaw(HttpMethod.POST, "/api/v1/peers",
        headers("Origin", nginx.url(), "Content-Type", "application/json"), Buffer.buffer(registration));
    assertThat(own.statusCode()).as(own.bodyAsString()).isEqualTo(201);
    assertError(viaNginx.sendRaw(HttpMethod.POST, "/api/v1/peers",
        headers("Origin", "http://evil.example", "Content-Type", "application/json"), Buffer.buffer(registration)), 403, "forbidden");
  }

  /** Which trackers nginx sent each SockJS session's requests to, by session id. */
  private static Map<String, Set<String>> upstreamsBySession() {
    return nginx.accessLog().stream()
        .filter(request -> request.path().matches(SESSION_PATH))
        .collect(Collectors.groupingBy(request -> request.path().replaceAll(SESSION_PATH, "$1"),
            Collectors.mapping(Logged::upstream, Collectors.toSet())));
  }

  /** Which trackers nginx sent API requests to; "-" for requests nginx answered itself. */
  private static Set<String> restUpstreams() {
    return nginx.accessLog().stream().filter(request -> request.path().startsWith("/api/"))
        .map(Logged::upstream).collect(Collectors.toSet());
  }

  private static void assertError(HttpResponse<Buffer> response, int status, String error) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    assertThat(response.getHeader("Content-Type")).startsWith("application/json");
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo(error);
    assertThat(response.bodyAsJsonObject().getString("message")).endsWith(".");
  }

  /** A registration of {@code bytes} or so, made large by a long name. */
  private static Buffer padded(int bytes) {
    return Buffer.buffer(new JsonObject().put("name", "x".repeat(bytes)).put("address", "http://127.0.0.1:7001").encode());
  }

  private static String hostPort(Tracker tracker) {
    return "127.0.0.1:" + tracker.port();
  }

  private static MultiMap headers(String... namesAndValues) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      headers.add(namesAndValues[i], namesAndValues[i + 1]);
    }
    return headers;
  }

  private static boolean eventually(Duration within, BooleanSupplier condition) {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return condition.getAsBoolean();
  }
}
