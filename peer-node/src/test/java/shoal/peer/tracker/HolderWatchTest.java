package shoal.peer.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import shoal.common.http.ApiError;
import shoal.peer.testing.Eventually;
import shoal.tracker.Tracker;
import shoal.tracker.TrackerConfig;
import shoal.tracker.testing.TestTrackers;
import shoal.tracker.testing.TrackerApi;

/**
 * {@link HolderWatch} against a real tracker's event stream: a wait asks again when the tracker
 * tells of a change, not on a fast clock; a dropped stream reconnects and re-checks; and with no
 * stream at all, the slow safety re-check still asks. The attempt here counts its calls and
 * answers "not there yet" until the test says otherwise: what it would ask the tracker is the
 * caller's business, tested with the downloads.
 */
@ExtendWith(VertxExtension.class)
@Timeout(90)
@DisplayName("Waiting for a holder through the tracker's events")
class HolderWatchTest {

  private static final Duration NO_SAFETY_RECHECK = Duration.ofHours(1);

  private Tracker tracker;
  private TrackerApi api;
  private Context context;
  private final AtomicInteger attempts = new AtomicInteger();
  private final AtomicBoolean available = new AtomicBoolean();

  @BeforeEach
  void start(Vertx vertx) {
    tracker = TestTrackers.start();
    api = new TrackerApi(vertx, tracker.url());
    context = vertx.getOrCreateContext();
  }

  @AfterEach
  void stop() {
    api.close();
    tracker.close();
  }

  @Test
  @DisplayName("asks once the stream listens, then only when a change is announced, and ends with the first answer that is not 'not yet'")
  void asksAgainOnEvents(Vertx vertx) throws Exception {
    HolderWatch watch = onContext(() -> new HolderWatch(vertx, tracker.url(), NO_SAFETY_RECHECK));
    HolderWatch.Wait<String> wait = onContext(() -> watch.await(this::attempt));

    Eventually.within(Duration.ofSeconds(10), () -> assertThat(attempts.get()).isEqualTo(1));
    Thread.sleep(1_500);
    assertThat(attempts.get()).as("no change, no question: the tracker is not polled").isEqualTo(1);

    api.register("someone", List.of());
    Eventually.within(Duration.ofSeconds(5), () -> assertThat(attempts.get()).isEqualTo(2));
    assertThat(wait.result().isComplete()).as("still not there").isFalse();

    available.set(true);
    api.register("holder", List.of(TrackerApi.file(TrackerApi.sha("wanted"), "wanted.bin", 10)));

    assertThat(wait.result().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS)).isEqualTo("lease");
    assertThat(attempts.get()).isEqualTo(3);
  }

  @Test
  @DisplayName("pieces announced of another file wake nobody, and a storm of changes is asked about once a second at most")
  void staysCalmInABusyNetwork(Vertx vertx) throws Exception {
    String wanted = TrackerApi.sha("wanted");
    String other = TrackerApi.sha("other");
    HolderWatch watch = onContext(() -> new HolderWatch(vertx, tracker.url(), NO_SAFETY_RECHECK));
    HolderWatch.Wait<String> wait = onContext(() -> watch.await(this::attempt, event -> wanted.equals(event.getString("sha256"))));
    Eventually.within(Duration.ofSeconds(10), () -> assertThat(attempts.get()).isEqualTo(1));

    TrackerApi.Peer crowd = api.register("crowd", List.of());
    Eventually.within(Duration.ofSeconds(5), () -> assertThat(attempts.get()).isEqualTo(2));
    for (int piece = 1; piece <= 10; piece++) {
      assertThat(api.announcePartial(crowd, other, TrackerApi.partial("other.bin", 1_000, 10, TrackerApi.pieces(0, piece)))
          .statusCode()).isEqualTo(200);
    }
    Thread.sleep(1_500);
    assertThat(attempts.get()).as("after ten reports of pieces of another file").isEqualTo(2);

    // A peer joining every 120 ms for three seconds (within the tracker's 60 registrations a
    // minute for one address): at most one attempt a second.
    int joined = 0;
    long stormStart = System.nanoTime();
    while (System.nanoTime() - stormStart < Duration.ofSeconds(3).toNanos()) {
      api.register("joiner-" + joined++, List.of());
      Thread.sleep(120);
    }
    Thread.sleep(1_200);
    assertThat(joined).as("peers that joined").isGreaterThan(10);
    assertThat(attempts.get() - 2).as("attempts for %d changes in about 3 s", joined).isBetween(1, 5);

    int beforeOwnPieces = attempts.get();
    assertThat(api.announcePartial(crowd, wanted, TrackerApi.partial("wanted.bin", 1_000, 10, TrackerApi.pieces(0, 1)))
        .statusCode()).isEqualTo(200);
    Eventually.within(Duration.ofSeconds(5), () -> assertThat(attempts.get()).as("pieces of the wanted file").isGreaterThan(beforeOwnPieces));
    onContext(() -> {
      wait.cancel();
      return null;
    });
  }

  @Test
  @DisplayName("when the tracker goes away and comes back, the stream reconnects by itself, asks again, and hears new changes")
  void reconnectsAndRechecks(Vertx vertx) throws Exception {
    HolderWatch watch = onContext(() -> new HolderWatch(vertx, tracker.url(), NO_SAFETY_RECHECK));
    HolderWatch.Wait<String> wait = onContext(() -> watch.await(this::attempt));
    Eventually.within(Duration.ofSeconds(10), () -> assertThat(attempts.get()).isEqualTo(1));

    TrackerConfig config = tracker.config();
    int port = tracker.port();
    api.close();
    tracker.close();
    tracker = Tracker.start(new TrackerConfig("127.0.0.1", port, config.dbUrl(), config.dataDir(), config.heartbeat(),
        config.peerTtl()));
    api = new TrackerApi(vertx, tracker.url());

    Eventually.within(Duration.ofSeconds(20), () -> assertThat(attempts.get()).as("asked again once reconnected").isEqualTo(2));
    api.register("someone", List.of());
    Eventually.within(Duration.ofSeconds(5), () -> assertThat(attempts.get()).as("a change after the reconnect").isEqualTo(3));

    onContext(() -> {
      wait.cancel();
      return null;
    });
    assertThat(failureOf(wait)).isInstanceOf(HolderWatch.Cancelled.class);
  }

  @Test
  @DisplayName("with no event stream to be had, the slow safety re-check still asks; a cancelled wait asks no more")
  void safetyRecheckWithoutStream(Vertx vertx) throws Exception {
    int closedPort;
    try (ServerSocket free = new ServerSocket(0)) {
      closedPort = free.getLocalPort();
    }
    HolderWatch watch = onContext(() -> new HolderWatch(vertx, "http://127.0.0.1:" + closedPort, Duration.ofMillis(300)));
    HolderWatch.Wait<String> wait = onContext(() -> watch.await(this::attempt));

    Eventually.within(Duration.ofSeconds(5), () -> assertThat(attempts.get()).isGreaterThanOrEqualTo(3));
    onContext(() -> {
      wait.cancel();
      return null;
    });
    assertThat(failureOf(wait)).isInstanceOf(HolderWatch.Cancelled.class);
    int afterCancel = attempts.get();
    Thread.sleep(1_000);
    assertThat(attempts.get()).isEqualTo(afterCancel);
  }

  private Future<String> attempt() {
    attempts.incrementAndGet();
    return available.get() ? Future.succeededFuture("lease")
        : Future.failedFuture(new ApiError(404, "not_available", TrackerClient.NOT_AVAILABLE));
  }

  /** Runs {@code work} on the watch's context, as its users do, and answers its result. */
  private <T> T onContext(java.util.function.Supplier<T> work) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    context.runOnContext(v -> {
      try {
        result.complete(work.get());
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    });
    return result.get(10, TimeUnit.SECONDS);
  }

  private static Throwable failureOf(HolderWatch.Wait<?> wait) throws Exception {
    try {
      wait.result().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      throw new AssertionError("the wait succeeded");
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }
}
