package shoal.peer.testing;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import shoal.peer.PeerConfig;
import shoal.peer.PeerNode;
import shoal.tracker.Tracker;
import shoal.tracker.TrackerConfig;
import shoal.tracker.db.DatabaseUrl;
import shoal.tracker.testing.ApiDocumentCheck;
import shoal.tracker.testing.OpenApiDocuments;
import shoal.tracker.testing.TestPostgres;
import shoal.tracker.testing.TestTrackers;
import shoal.tracker.testing.TrackerApi;

/**
 * A real tracker on a fresh database and the real peer nodes a test starts against it, all on
 * 127.0.0.1 and port 0; closing it stops every node (leaving the tracker) and then the tracker.
 */
public final class PeerNetwork implements AutoCloseable, BeforeEachCallback, AfterEachCallback {

  /** How the stand-in downloaders of {@link #occupyHolder} are named: their transfers never end. */
  public static final String STAND_IN = "stand-in-";

  private final boolean perTest;
  private UnaryOperator<TrackerConfig> trackerTuning = UnaryOperator.identity();
  private final List<PeerNode> peers = new CopyOnWriteArrayList<>();
  private Vertx vertx;
  private Tracker tracker;
  private TrackerApi api;

  private PeerNetwork(boolean perTest) {
    this.perTest = perTest;
  }

  /** A network for a whole test class, its clients on the test's Vert.x; close it after the class. */
  public static PeerNetwork start(Vertx vertx) {
    PeerNetwork network = new PeerNetwork(false);
    network.open(vertx);
    return network;
  }

  /**
   * A fresh network for each test, on a Vert.x of its own:
   * {@code @RegisterExtension final PeerNetwork network = PeerNetwork.perTest();}
   */
  public static PeerNetwork perTest() {
    return new PeerNetwork(true);
  }

  /** A fresh network for each test whose tracker has {@code tuning} applied, e.g. a join key. */
  public static PeerNetwork perTest(UnaryOperator<TrackerConfig> tuning) {
    PeerNetwork network = new PeerNetwork(true);
    network.trackerTuning = tuning;
    return network;
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    open(Vertx.vertx());
  }

  @Override
  public void afterEach(ExtensionContext context) {
    close();
  }

  private void open(Vertx clientVertx) {
    vertx = clientVertx;
    tracker = TestTrackers.start(config -> trackerTuning.apply(new TrackerConfig(config.host(), config.port(),
        config.dbUrl(), config.dataDir(), Duration.ofSeconds(1), Duration.ofSeconds(5))));
    api = new TrackerApi(vertx, tracker.url());
  }

  public String trackerUrl() {
    return tracker.url();
  }

  public TrackerApi tracker() {
    return api;
  }

  public PeerNode peer(String name, Path share) {
    return peer(name, share, config -> config);
  }

  public PeerNode peer(String name, Path share, UnaryOperator<PeerConfig> tuning) {
    PeerNode node = PeerNode.start(tuning.apply(PeerConfig.of(tracker.url(), share, name)));
    peers.add(node);
    return node;
  }

  /** The tracker's view of a peer: {@code GET /api/v1/peers/{id}}. */
  public JsonObject peerAtTracker(String peerId) {
    return api.get("/api/v1/peers/" + peerId).bodyAsJsonObject();
  }

  public int status(String path) {
    return api.get(path).statusCode();
  }

  /** Every transfer of {@code sha256} the tracker recorded, in any state. */
  public List<JsonObject> transfersOf(String sha256) {
    JsonArray all = api.get("/api/v1/transfers?limit=1000").bodyAsJsonArray();
    return all.stream().map(JsonObject.class::cast).filter(t -> sha256.equals(t.getString("sha256"))).toList();
  }

  /** The peer ids the tracker lists as holders of {@code sha256}; empty when none. */
  public List<String> holdersOf(String sha256) {
    var response = api.get("/api/v1/files/" + sha256);
    if (response.statusCode() == 404) {
      return List.of();
    }
    return response.bodyAsJsonObject().getJsonArray("holders").stream()
        .map(holder -> ((JsonObject) holder).getString("peerId")).toList();
  }

  /**
   * Makes the tracker count one more active upload for the holder of {@code sha256} that is not
   * in {@code exclude}: a stand-in downloader starts a transfer and never finishes it. Tests use it
   * to decide which holder the least-loaded balancer picks next. Answers the busy holder's id.
   */
  public String occupyHolder(String sha256, String... exclude) {
    TrackerApi.Peer standIn = api.register(STAND_IN + System.nanoTime(), List.of());
    var response = api.post("/api/v1/transfers", standIn.token(),
        new JsonObject().put("sha256", sha256).put("exclude", new JsonArray(List.of(exclude))));
    if (response.statusCode() != 201) {
      throw new AssertionError("the stand-in got no transfer: " + response.bodyAsString());
    }
    return response.bodyAsJsonObject().getJsonObject("source").getString("peerId");
  }

  /**
   * Deletes a peer straight from the tracker's database, as the liveness sweeper does once its
   * TTL passes: the peer's next call is answered {@code unknown_peer}.
   */
  public void forget(String peerId) {
    TestPostgres.execute(DatabaseUrl.parse(tracker.config().dbUrl()),
        "DELETE FROM peers WHERE peer_id = '" + java.util.UUID.fromString(peerId) + "'");
  }

  /** A blocking client for a node's control port; the token goes as a bearer token. */
  public TrackerApi control(PeerNode node) {
    return controlClient(vertx, "http://127.0.0.1:" + node.controlPort());
  }

  /** A blocking client for the control port at {@code url}, every answer checked against the control API's document. */
  public static TrackerApi controlClient(Vertx vertx, String url) {
    return new TrackerApi(vertx, url, ApiDocumentCheck.of(OpenApiDocuments.PEER_CONTROL));
  }

  @Override
  public void close() {
    peers.parallelStream().forEach(PeerNode::close);
    peers.clear();
    api.close();
    tracker.close();
    if (perTest) {
      TrackerApi.await(vertx.close());
    }
  }
}
