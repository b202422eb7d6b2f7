package shoal.tracker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static shoal.tracker.testing.TrackerApi.file;
import static shoal.tracker.testing.TrackerApi.sha;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import shoal.tracker.testing.TrackerExtension;
import shoal.tracker.testing.TrackerApi;
import shoal.tracker.testing.TrackerApi.Peer;

/** Seed scenario 2: request a file that no one has, and do not wait forever. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
@DisplayName("Requesting a file that no one has")
class NotAvailableTest {

  private static final String MESSAGE = "Sorry, the file you requested is not available. Please try again later.";

  @RegisterExtension
  static final TrackerExtension tracker = new TrackerExtension();

  private TrackerApi api;

  @BeforeEach
  void connect(Vertx vertx) {
    api = tracker.api(vertx);
  }

  @Test
  @DisplayName("a transfer for a file nobody holds answers 404 not_available with the tracker's sentence in under a second")
  void transferForUnheldFileIsNotAvailableAtOnce() {
    Peer asker = api.register("asker", List.of());
    // A first question, unmeasured, opens the connection; the bound is on the answer alone.
    assertThat(api.startTransfer(asker, sha("nobody-has-this-either")).statusCode()).isEqualTo(404);

    long started = System.nanoTime();
    HttpResponse<Buffer> response = api.startTransfer(asker, sha("nobody-has-this"));
    long millis = (System.nanoTime() - started) / 1_000_000;

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.bodyAsJsonObject().getMap())
        .containsEntry("error", "not_available").containsEntry("message", MESSAGE);
    assertThat(millis).isLessThan(1_000);
    assertThat(api.get("/api/v1/files/" + sha("nobody-has-this")).bodyAsJsonObject().getString("error"))
        .isEqualTo("not_available");
  }

  @Test
  @DisplayName("the answer stays immediate while many other requests are in flight")
  void notAvailableStaysImmediateUnderLoad(Vertx vertx) {
    Peer busy = api.register("busy", List.of(file(sha("popular"), "popular.iso", 1_000)));
    Peer asker = api.register("asker-under-load", List.of());
    // The asker comes on its own connection, as another peer would, not queued behind the load;
    // opened before the load starts, so that the bound is on the answer alone.
    TrackerApi askersClient = tracker.api(vertx);
    assertThat(askersClient.get("/health").statusCode()).isEqualTo(200);
    List<Future<HttpResponse<Buffer>>> background = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      background.add(i % 2 == 0
          ? api.sendAsync(HttpMethod.GET, "/api/v1/files?q=pop", null, null)
          : api.sendAsync(HttpMethod.POST, "/api/v1/transfers", asker.token(), new JsonObject().put("sha256", sha("popular"))));
    }

    long started = System.nanoTime();
    HttpResponse<Buffer> response = askersClient.startTransfer(asker, sha("still-nobody"));
    long millis = (System.nanoTime() - started) / 1_000_000;

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.bodyAsJsonObject().getString("message")).isEqualTo(MESSAGE);
    assertThat(millis).isLessThan(1_000);
    TrackerApi.await(Future.all(background));
    assertThat(background).allSatisfy(f -> assertThat(f.result().statusCode()).isIn(200, 201));
    assertThat(busy.peerId()).isNotBlank();
  }

  @Test
  @DisplayName("excluding the only holder, or asking for your own file, is not_available too")
  void excludedOrOwnHoldersDoNotCount() {
    Peer holder = api.register("only-holder", List.of(file(sha("solo"), "solo.bin", 5)));
    Peer asker = api.register("excluder", List.of());

    HttpResponse<Buffer> excluded = api.post("/api/v1/transfers", asker.token(),
        new JsonObject().put("sha256", sha("solo")).put("exclude", new io.vertx.core.json.JsonArray().add(holder.peerId())));
    HttpResponse<Buffer> own = api.startTransfer(holder, sha("solo"));

    assertThat(excluded.statusCode()).isEqualTo(404);
    assertThat(own.statusCode()).isEqualTo(404);
    assertThat(own.bodyAsJsonObject().getString("error")).isEqualTo("not_available");
  }
}
