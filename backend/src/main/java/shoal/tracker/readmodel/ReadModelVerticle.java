package shoal.tracker.readmodel;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import shoal.tracker.TrackerConfig;
import shoal.tracker.db.DatabaseUrl;
import shoal.tracker.db.RegistryPool;

/**
 * Keeps {@link MemoryReadModel} in step with PostgreSQL; one instance per tracker, and every
 * change to the model happens on its context.
 *
 * <p>Peers to read again come from two places: the notifications of every tracker's commits
 * ({@code h:} or {@code r:} and a peer id, see migration V7, or {@code f:}, a peer id and the one
 * file whose holding changed, V10), and this tracker's own commits, whose
 * HTTP answers wait until the model shows them. Loads run one at a time; what arrives meanwhile
 * waits for the next one, so a load always starts after the commits it is asked about, and reads
 * what they wrote. A load that reads nothing new is cheap, so own commits, heard a second time
 * through their notification, cost one indexed read more.
 *
 * <p>The model is current only while the listener listens and a full load since it started
 * listening has been applied, followed by one load of what changed during it. Until then — at
 * start, after a dropped connection, after a load failed — every read goes to PostgreSQL, and own
 * commits are answered at once.
 */
public final class ReadModelVerticle extends VerticleBase {

  /**
   * Local event-bus address of own commits: {@code {"peers":[id…],"holdings":bool,"left":bool}},
   * or {@code {"peers":[id],"file":sha256}} for one holding of one peer.
   */
  public static final String ADDRESS = "shoal.read-model.committed";
  static final String CHANNEL = "shoal_registry";
  /** How the listening connection names itself in {@code pg_stat_activity}. */
  public static final String APPLICATION_NAME = "shoal-read-model";

  private static final Logger LOG = LoggerFactory.getLogger(ReadModelVerticle.class);
  private static final long RETRY_MILLIS = 500;

  private enum State { STALE, CATCHING_UP, CURRENT }

  private final MemoryReadModel model;
  private RegistryLoader loader;
  private RegistryListener listener;
  private MessageConsumer<JsonObject> commits;
  private State state = State.STALE;
  private boolean listening;
  /** Bumped whenever listening starts or stops: a load from another generation cannot make the model current. */
  private int generation;
  private boolean fullLoadWanted;
  private boolean loading;
  private long retryTimer = -1;
  private Set<UUID> rowsToRead = new HashSet<>();
  private Set<UUID> holdingsToRead = new HashSet<>();
  /** Single holdings to read again, by peer: what a completion adds, without all else the peer holds. */
  private Map<UUID, Set<String>> filesToRead = new HashMap<>();
  private List<Waiter> waiting = new ArrayList<>();

  public ReadModelVerticle(MemoryReadModel model) {
    this.model = model;
  }

  @Override
  public Future<?> start() {
    TrackerConfig config = TrackerConfig.fromJson(config());
    DatabaseUrl database = DatabaseUrl.parse(config.dbUrl());
    loader = new RegistryLoader(RegistryPool.createForReadModel(vertx, database, config.dbTimeouts()));
    commits = vertx.eventBus().localConsumer(ADDRESS, this::ownCommit);
    listener = new RegistryListener(vertx, database.connectOptions().addProperty("application_name", APPLICATION_NAME), CHANNEL, this::notified, this::listening, this::lost);
    listener.start();
    return commits.completion();
  }

  @Override
  public Future<?> stop() {
    model.current(false);
    vertx.cancelTimer(retryTimer);
    return Future.all(commits.unregister(), listener.stop());
  }

  private void ownCommit(Message<JsonObject> message) {
    JsonObject change = message.body();
    List<UUID> peers = new ArrayList<>();
    change.getJsonArray("peers", new JsonArray()).forEach(id -> peers.add(UUID.fromString((String) id)));
    String file = change.getString("file");
    if (file != null) {
      peers.forEach(peer -> fileToRead(peer, file));
    } else {
      (change.getBoolean("holdings", false) ? holdingsToRead : rowsToRead).addAll(peers);
    }
    if (state == State.STALE) {
      // Nobody reads the model now, and the full load that makes it current starts after this commit.
      message.reply(null);
      return;
    }
    if (state == State.CURRENT && change.getBoolean("left", false)) {
      // A departure committed here is certain: readers stop offering the peers at once, and the
      // answer need not wait for the next load to rebuild their files, which for a peer holding
      // ten thousand takes several times longer than the leave itself.
      IndexWriter.markGone(model.index(), peers);
      message.reply(null);
      next();
      return;
    }
    waiting.add(new Waiter(message, change.getBoolean("left", false) ? peers : List.of()));
    next();
  }

  private void notified(String payload) {
    try {
      String[] parts = payload.split(":", 3);
      UUID peer = UUID.fromString(parts[1]);
      switch (parts[0]) {
        case "h" -> holdingsToRead.add(peer);
        case "f" -> fileToRead(peer, parts[2]);
        default -> rowsToRead.add(peer);
      }
      next();
    } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
      LOG.warn("ignored a notification it cannot read: {}", payload);
    }
  }

  private void fileToRead(UUID peer, String sha256) {
    filesToRead.computeIfAbsent(peer, id -> new HashSet<>()).add(sha256);
  }

  private void listening() {
    listening = true;
    generation++;
    fullLoadWanted = true;
    next();
  }

  private void lost() {
    listening = false;
    generation++;
    becomeStale();
  }

  private void becomeStale() {
    state = State.STALE;
    model.current(false);
    waiting.forEach(Waiter::release);
    waiting = new ArrayList<>();
  }

  /** Starts the next load, unless one is running or a retry is pending. */
  private void next() {
    if (loading || retryTimer != -1) {
      return;
    }
    if (fullLoadWanted) {
      loadAll();
    } else if (state != State.STALE
        && (!rowsToRead.isEmpty() || !holdingsToRead.isEmpty() || !filesToRead.isEmpty() || !waiting.isEmpty())) {
      loadChanged();
    }
  }

  private void loadAll() {
    int startedIn = generation;
    fullLoadWanted = false;
    loading = true;
    // Whatever was asked before this point, the full load reads; what is asked from now on waits.
    rowsToRead = new HashSet<>();
    holdingsToRead = new HashSet<>();
    filesToRead = new HashMap<>();
    IndexWriter.FullLoad build = new IndexWriter.FullLoad();
    long started = System.nanoTime();
    loader.loadAll(build::peer, build::holding).onComplete(
        done -> {
          loading = false;
          if (startedIn == generation) {
            RegistryIndex index = build.finish();
            model.publish(index);
            LOG.info("read model loaded: {} peers, {} files, in {} ms", index.peers.size(), index.files.size(),
                (System.nanoTime() - started) / 1_000_000);
            if (rowsToRead.isEmpty() && holdingsToRead.isEmpty() && filesToRead.isEmpty()) {
              becomeCurrent();
            } else {
              state = State.CATCHING_UP;
            }
          }
          next();
        },
        failure -> {
          loading = false;
          LOG.warn("the read model could not load the registry, retrying: {}", failure.getMessage());
          fullLoadWanted = listening;
          retryLater();
        });
  }

  private void loadChanged() {
    int startedIn = generation;
    boolean catchingUp = state == State.CATCHING_UP;
    Set<UUID> holdings = holdingsToRead;
    Set<UUID> peers = rowsToRead;
    Map<UUID, Set<String>> files = filesToRead;
    List<Waiter> served = waiting;
    holdingsToRead = new HashSet<>();
    rowsToRead = new HashSet<>();
    filesToRead = new HashMap<>();
    waiting = new ArrayList<>();
    RegistryIndex index = model.index();
    peers.addAll(files.keySet());
    // A peer the model has not met yet comes with what it holds.
    peers.forEach(id -> {
      if (!index.peers.containsKey(id)) {
        holdings.add(id);
      }
    });
    // A peer read whole needs none of its holdings read one by one.
    files.keySet().removeAll(holdings);
    peers.addAll(holdings);
    loading = true;
    loader.load(peers, holdings, files).onComplete(
        loaded -> {
          loading = false;
          IndexWriter.apply(index, loaded, peers, holdings, files);
          if (catchingUp && startedIn == generation && state == State.CATCHING_UP) {
            becomeCurrent();
          }
          served.forEach(Waiter::release);
          next();
        },
        failure -> {
          loading = false;
          LOG.warn("the read model could not read {} changed peer(s), reloading everything: {}", peers.size(),
              failure.getMessage());
          // Departures committed here are certain: the model drops those peers without asking.
          served.forEach(waiter -> IndexWriter.removeAll(index, waiter.left()));
          served.forEach(Waiter::release);
          becomeStale();
          fullLoadWanted = listening;
          retryLater();
        });
  }

  private void becomeCurrent() {
    state = State.CURRENT;
    model.current(true);
  }

  private void retryLater() {
    retryTimer = vertx.setTimer(RETRY_MILLIS, id -> {
      retryTimer = -1;
      next();
    });
  }

  /** An own commit's HTTP request, waiting for the load that shows its change. */
  private record Waiter(Message<JsonObject> message, List<UUID> left) {

    void release() {
      message.reply(null);
    }
  }
}
