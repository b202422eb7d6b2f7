package shoal.peer.tracker;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import shoal.common.http.ApiError;
import shoal.peer.NodeContext;
import shoal.peer.share.ShareIndex;
import shoal.peer.share.SharedFile;
import shoal.peer.tracker.TrackerClient.Registration;

/**
 * This peer's membership at the tracker: registers with everything it shares, heartbeats, keeps
 * the tracker's list in step with the share index, registers again (with everything) when the
 * tracker has forgotten it, and leaves. Calls that change the registration run one after another,
 * so a file change can never overtake the registration it belongs to. Its state lives on the
 * node's context ({@link NodeContext}); other threads read only a published copy.
 */
public final class TrackerSession {

  private static final Logger LOG = LoggerFactory.getLogger(TrackerSession.class);
  private static final long RETRY_MILLIS = 2_000;

  private final Vertx vertx;
  private final NodeContext node;
  private final TrackerClient client;
  private final String name;
  private final String address;
  private final ShareIndex index;
  private Registration current;
  private boolean left;
  private Throwable refusal;
  /** The registration and the last refusal, copied for readers on other threads (the control port, a test). */
  private volatile Published published = new Published(null, null);
  private Future<?> tail = Future.succeededFuture();
  private long timerId = -1;

  /** What other threads may read of the session: a copy made on the node's context. */
  private record Published(Registration registration, Throwable refusal) {}

  public TrackerSession(Vertx vertx, NodeContext node, TrackerClient client, String name, String address, ShareIndex index) {
    this.vertx = vertx;
    this.node = node;
    this.client = client;
    this.name = name;
    this.address = address;
    this.index = index;
    // The index changes on the node's context, so its changes arrive here already.
    node.execute(() -> index.onChange(this::publish));
  }

  /**
   * Makes the first registration attempt and starts heartbeating. A tracker out of reach does not
   * stop the node: it keeps trying every two seconds.
   */
  public Future<Void> start() {
    return node.run(() -> serially(this::register).transform(result -> {
      if (result.failed()) {
        // A 400 is the tracker refusing what this peer sends, which a retry sends again: `shoal peer` stops then.
        boolean badInput = result.cause() instanceof ApiError error && error.status() == 400;
        LOG.warn(badInput ? "the tracker refused this peer: {}" : "not registered yet, retrying: {}",
            result.cause().getMessage());
      }
      scheduleTick();
      return Future.<Void>succeededFuture();
    }));
  }

  public String trackerUrl() {
    return client.baseUrl();
  }

  public boolean registered() {
    return published.registration() != null;
  }

  /** This peer's id at the tracker, or null while not registered. */
  public String peerId() {
    Registration registration = published.registration();
    return registration == null ? null : registration.peerId();
  }

  /**
   * Runs a call that needs this peer's registration; when the tracker answers {@code unknown_peer}
   * it registers again and repeats the call once.
   */
  public <T> Future<T> call(Function<Registration, Future<T>> call) {
    return node.run(() -> {
      Registration before = current;
      Future<Registration> registration = before != null ? Future.succeededFuture(before) : reregister(null);
      return registration.compose(peer -> call.apply(peer).recover(e -> {
        if (e instanceof ApiError error && "unknown_peer".equals(error.code()) && !left) {
          return reregister(peer).compose(call);
        }
        return Future.failedFuture(e);
      }));
    });
  }

  /** Deletes this peer and all it holds from the tracker; the session stays quiet afterwards. */
  public Future<Void> leave() {
    return node.run(() -> {
      left = true;
      if (timerId >= 0) {
        vertx.cancelTimer(timerId);
      }
      return serially(() -> {
        Registration registration = current;
        if (registration == null) {
          return Future.succeededFuture();
        }
        return client.leave(registration)
            .recover(e -> e instanceof ApiError error && "unknown_peer".equals(error.code())
                ? Future.succeededFuture() : Future.failedFuture(e))
            .onSuccess(done -> {
              setCurrent(null);
              LOG.info("left the tracker as {}", registration.peerId());
            });
      });
    });
  }

  private Future<Registration> register() {
    if (left) {
      return Future.failedFuture(new IllegalStateException("this peer has left the tracker"));
    }
    List<List<JsonObject>> batches = batches();
    return client.register(name, address, batches.get(0))
        .compose(registration -> sendBatches(registration, batches.subList(1, batches.size()), false)
            .recover(e -> keepPartialList(e))
            .map(registration))
        .onComplete(registration -> {
          refusal = registration.failed() ? registration.cause() : null;
          published = new Published(current, refusal);
        })
        .onSuccess(registration -> {
          setCurrent(registration);
          LOG.info("registered at {} as {} with {} files", client.baseUrl(), registration.peerId(), index.size());
        });
  }

  /**
   * The tracker refused a later batch as bad input (beyond the files one peer may hold): the peer
   * stays registered with what was taken. Registering again would only be refused the same way,
   * each time leaving one more half-registered peer behind.
   */
  private static Future<Void> keepPartialList(Throwable e) {
    if (e instanceof ApiError error && error.status() == 400) {
      LOG.warn("the tracker took only part of this peer's files: {}", error.getMessage());
      return Future.succeededFuture();
    }
    return Future.failedFuture(e);
  }

  /** Why the last registration attempt failed, or null when it succeeded (or none was made). */
  public Throwable lastRefusal() {
    return published.refusal();
  }

  private void setCurrent(Registration registration) {
    current = registration;
    published = new Published(registration, refusal);
  }

  /** Registers again unless someone already did since {@code stale} was seen. */
  private Future<Registration> reregister(Registration stale) {
    return serially(() -> current != null && current != stale ? Future.succeededFuture(current) : register());
  }

  private void scheduleTick() {
    Registration registration = current;
    long delay = registration == null ? RETRY_MILLIS : Math.max(100, (long) (registration.heartbeatSeconds() * 1000));
    if (!left) {
      timerId = vertx.setTimer(delay, id -> tick().onComplete(done -> scheduleTick()));
    }
  }

  private Future<?> tick() {
    Registration registration = current;
    if (registration == null) {
      return reregister(null).onFailure(e -> LOG.warn("still not registered: {}", e.getMessage()));
    }
    return client.heartbeat(registration).recover(e -> {
      if (e instanceof ApiError error && "unknown_peer".equals(error.code()) && !left) {
        LOG.warn("the tracker no longer knows {}; registering again", registration.peerId());
        return reregister(registration).mapEmpty();
      }
      LOG.warn("heartbeat failed: {}", e.getMessage());
      return Future.succeededFuture();
    });
  }

  /** Tells the tracker what a scan changed: additions are added, anything removed replaces the list. */
  private void publish(ShareIndex.Change change) {
    serially(() -> {
      Registration registration = current;
      if (registration == null || left) {
        return Future.succeededFuture();
      }
      Future<Void> sent = change.removed().isEmpty()
          ? sendBatches(registration, split(index.files().stream()
              .filter(file -> change.added().contains(file.sha256())).map(SharedFile::toJson).toList()), false)
          : sendBatches(registration, batches(), true);
      return sent.recover(e -> {
        if (e instanceof ApiError error && "unknown_peer".equals(error.code())) {
          return register().mapEmpty();
        }
        return Future.failedFuture(e);
      });
    }).onFailure(e -> LOG.warn("could not update the tracker's file list: {}", e.getMessage()));
  }

  /** Sends batches one after another; with {@code replace}, the first one replaces the list. */
  private Future<Void> sendBatches(Registration registration, List<List<JsonObject>> batches, boolean replace) {
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < batches.size(); i++) {
      List<JsonObject> batch = batches.get(i);
      boolean replacing = replace && i == 0;
      chain = chain.compose(done -> client.sendFiles(registration, replacing, batch));
    }
    return chain;
  }

  /** Everything shared, in batches the tracker accepts; always at least one (maybe empty) batch. */
  private List<List<JsonObject>> batches() {
    List<List<JsonObject>> batches = split(index.files().stream().map(SharedFile::toJson).toList());
    return batches.isEmpty() ? List.of(List.of()) : batches;
  }

  private static List<List<JsonObject>> split(List<JsonObject> files) {
    List<List<JsonObject>> batches = new ArrayList<>();
    for (int from = 0; from < files.size(); from += TrackerClient.MAX_FILES_PER_REQUEST) {
      batches.add(files.subList(from, Math.min(files.size(), from + TrackerClient.MAX_FILES_PER_REQUEST)));
    }
    return batches;
  }

  private <T> Future<T> serially(Supplier<Future<T>> step) {
    Future<T> next = tail.transform(previous -> step.get());
    tail = next;
    return next;
  }
}
