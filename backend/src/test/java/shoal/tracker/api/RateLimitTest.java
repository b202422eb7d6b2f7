package shoal.tracker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static shoal.tracker.testing.TrackerApi.file;
import static shoal.tracker.testing.TrackerApi.sha;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import shoal.tracker.access.RateLimit;
import shoal.tracker.testing.TrackerApi;
import shoal.tracker.testing.TrackerApi.Peer;
import shoal.tracker.testing.TrackerExtension;

/**
 * One address cannot flood the registry with peers or transfers: beyond its allowance it is told
 * 429 and when to come back, and served again once that time has passed. Small limits, so the
 * test is quick: 3 at once, one more a second.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
@DisplayName("Rate limits per client address")
class RateLimitTest {

  private static final RateLimit SMALL = new RateLimit(3, Duration.ofSeconds(3));

  @RegisterExtension
  static final TrackerExtension registrations = TrackerExtension.tuned(config ->
      config.withAccess(config.access().withLimits(SMALL, RateLimit.NONE)));

  @RegisterExtension
  static final TrackerExtension transfers = TrackerExtension.tuned(config ->
      config.withAccess(config.access().withLimits(RateLimit.NONE, SMALL)));

  @Test
  @DisplayName("registrations beyond the limit are 429 rate_limited with Retry-After, and register again once it has passed")
  void registrationsAreLimited(Vertx vertx) throws InterruptedException {
    TrackerApi api = registrations.api(vertx);
    for (int i = 0; i < 3; i++) {
      assertThat(register(api, "burst-" + i).statusCode()).isEqualTo(201);
    }

    HttpResponse<Buffer> refused = register(api, "one-too-many");

    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.bodyAsJsonObject().getString("error")).isEqualTo("rate_limited");
    assertThat(refused.bodyAsJsonObject().getString("message")).contains("registrations").endsWith(".");
    long retryAfter = Long.parseLong(refused.getHeader("Retry-After"));
    assertThat(retryAfter).isBetween(1L, 3L);
    assertThat(names(api)).doesNotContain("one-too-many");

    Thread.sleep(retryAfter * 1000);
    assertThat(register(api, "patient").statusCode()).isEqualTo(201);
    assertThat(api.get("/api/v1/peers").statusCode()).as("reads are not limited").isEqualTo(200);
  }

  @Test
  @DisplayName("transfer starts beyond the limit are 429 with Retry-After, and start again once it has passed")
  void transferStartsAreLimited(Vertx vertx) throws InterruptedException {
    TrackerApi api = transfers.api(vertx);
    api.register("holder", List.of(file(sha("popular"), "popular.iso", 100)));
    Peer downloader = api.register("downloader", List.of());
    for (int i = 0; i < 3; i++) {
      assertThat(api.startTransfer(downloader, sha("popular")).statusCode()).isEqualTo(201);
    }

    HttpResponse<Buffer> refused = api.startTransfer(downloader, sha("popular"));

    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.bodyAsJsonObject().getString("error")).isEqualTo("rate_limited");
    long retryAfter = Long.parseLong(refused.getHeader("Retry-After"));
    assertThat(retryAfter).isBetween(1L, 3L);
    assertThat(api.get("/api/v1/transfers?state=active").bodyAsJsonArray()).hasSize(3);

    Thread.sleep(retryAfter * 1000);
    assertThat(api.startTransfer(downloader, sha("popular")).statusCode()).isEqualTo(201);
  }

  private static HttpResponse<Buffer> register(TrackerApi api, String name) {
    return api.send(HttpMethod.POST, "/api/v1/peers", null,
        new JsonObject().put("name", name).put("address", "http://127.0.0.1:7001"));
  }

  private static List<String> names(TrackerApi api) {
    return api.get("/api/v1/peers").bodyAsJsonArray().stream().map(p -> ((JsonObject) p).getString("name")).toList();
  }
}
