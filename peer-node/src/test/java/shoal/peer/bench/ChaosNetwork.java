package shoal.peer.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import shoal.peer.testing.ChildJvm;

/**
 * The processes of a fault run: a PostgreSQL the run can stop and start, a tracker on it that
 * can be killed and started again on the same port, and peer nodes in JVMs of their own. Also
 * the plain HTTP calls the run makes to them, with short timeouts: a stopped process must not
 * stop the run.
 */
final class ChaosNetwork implements AutoCloseable {

  /** One peer node: its share stays, its process may be killed and started again. */
  static final class Peer {
    final int index;
    final Path share;
    final String token;
    volatile ChildJvm jvm;
    volatile String controlUrl;
    volatile boolean paused;

    Peer(int index, Path share) {
      this.index = index;
      this.share = share;
      this.token = "chaos-control-token-" + index;
    }

    String name() {
      return "peer-" + index;
    }

    boolean reachable() {
      ChildJvm current = jvm;
      return current != null && current.alive() && !paused;
    }
  }

  private final Path work;
  private final Path trackerJar;
  private final Path peerJar;
  private final int pgPort;
  private final int trackerPort;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<Peer> peers = new ArrayList<>();
  private EmbeddedPostgres postgres;
  private ChildJvm tracker;

  ChaosNetwork(Path work, Path trackerJar, Path peerJar) throws IOException {
    this.work = work;
    this.trackerJar = trackerJar;
    this.peerJar = peerJar;
    this.pgPort = freePort();
    this.trackerPort = freePort();
  }

  String trackerUrl() {
    return "http://127.0.0.1:" + trackerPort;
  }

  List<Peer> peers() {
    return peers;
  }

  // ---- PostgreSQL -------------------------------------------------------------------------

  void startPostgres() throws IOException {
    postgres = EmbeddedPostgres.builder()
        .setDataDirectory(work.resolve("pg"))
        .setCleanDataDirectory(false)
        .setPort(pgPort)
        .setServerConfig("fsync", "on")
        .setOutputRedirector(ProcessBuilder.Redirect.appendTo(work.resolve("postgres.log").toFile()))
        .setErrorRedirector(ProcessBuilder.Redirect.appendTo(work.resolve("postgres.log").toFile()))
        .start();
  }

  void stopPostgres() throws IOException {
    postgres.close();
    postgres = null;
  }

  // ---- tracker ----------------------------------------------------------------------------

  void startTracker() throws Exception {
    tracker = ChildJvm.start(trackerJar, List.of("--host", "127.0.0.1", "--port", Integer.toString(trackerPort),
            "--db-url", "postgresql://postgres@127.0.0.1:" + pgPort + "/postgres",
            "--heartbeat", "2s", "--peer-ttl", "8s"),
        work.resolve("tracker.log"), 1, 120);
  }

  void killTracker() throws InterruptedException {
    tracker.kill9();
  }

  // ---- peers ------------------------------------------------------------------------------

  Peer addPeer(int index) throws IOException {
    Peer peer = new Peer(index, Files.createDirectories(work.resolve("shares").resolve("peer-" + index)));
    peers.add(peer);
    return peer;
  }

  void startPeer(Peer peer) throws Exception {
    ChildJvm jvm = ChildJvm.start(peerJar, List.of("peer", "--tracker", trackerUrl(), "--share", peer.share.toString(),
            "--name", peer.name(), "--port", "0", "--control-port", "0", "--control-token", peer.token,
            "--stall-timeout", "2s", "--speed-time", "6s", "--idle-timeout", "10s"),
        work.resolve(peer.name() + ".log"), 2, 60);
    peer.controlUrl = jvm.urls().get(1);
    peer.paused = false;
    peer.jvm = jvm;
  }

  // ---- HTTP -------------------------------------------------------------------------------

  /** A call's status and body; status 0 when the server could not be reached in time. */
  record Reply(int status, String body) {
    JsonObject json() {
      return new JsonObject(body);
    }

    JsonArray jsonArray() {
      return new JsonArray(body);
    }
  }

  Reply get(String url, String token) {
    return send(HttpRequest.newBuilder(URI.create(url)).GET(), token);
  }

  Reply post(String url, String token, JsonObject body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body == null ? "{}" : body.encode()));
    return send(request, token);
  }

  private Reply send(HttpRequest.Builder request, String token) {
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    try {
      HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(3)).build(),
          HttpResponse.BodyHandlers.ofString());
      return new Reply(response.statusCode(), response.body());
    } catch (IOException e) {
      return new Reply(0, "");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Reply(0, "");
    }
  }

  /** The peer's id at the tracker, from its control port; empty while it cannot tell. */
  Optional<String> peerIdOf(Peer peer) {
    Reply status = get(peer.controlUrl + "/api/v1/status", peer.token);
    if (status.status() != 200) {
      return Optional.empty();
    }
    return Optional.ofNullable(status.json().getString("peerId"));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** Stops every process: peers first (they leave the tracker), then the tracker, then PostgreSQL. */
  @Override
  public void close() throws Exception {
    for (Peer peer : peers) {
      if (peer.jvm != null && peer.jvm.alive()) {
        peer.jvm.stop();
      }
    }
    if (tracker != null && tracker.alive()) {
      tracker.stop();
    }
    if (postgres != null) {
      postgres.close();
    }
  }
}
