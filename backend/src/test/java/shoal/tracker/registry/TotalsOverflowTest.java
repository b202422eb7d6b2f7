package shoal.tracker.registry;

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
import io.vertx.sqlclient.Pool;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import shoal.tracker.access.RateLimit;
import shoal.tracker.db.DatabaseTimeouts;
import shoal.tracker.db.DatabaseUrl;
import shoal.tracker.db.RegistryPool;
import shoal.tracker.testing.TrackerApi;
import shoal.tracker.testing.TrackerApi.Peer;
import shoal.tracker.testing.TrackerExtension;

/**
 * Totals fed by files of the largest size (2^53-1) stay exact past 2^53, and past 2^63 the API
 * reports 2^63-1 instead of a wrapped, negative figure, while the registry keeps the exact sum.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("Totals of huge transfers")
class TotalsOverflowTest {

  private static final long LARGEST = 9_007_199_254_740_991L;
  /** The fewest completions of the largest file whose bytes pass 2^63-1: 1 024 of them reach 2^63 - 1 024. */
  private static final int COMPLETIONS = 1_025;

  /** Over a thousand transfers from one address in seconds: more than the default rate limit lets through. */
  @RegisterExtension
  static final TrackerExtension tracker = TrackerExtension.tuned(config ->
      config.withAccess(config.access().withLimits(RateLimit.NONE, RateLimit.NONE)));

  @Test
  @DisplayName("bytesTransferred and servedTotal are exact past 2^53, then saturate at 2^63-1 and are never negative; completedTransfers stays exact")
  void totalsSaturateInsteadOfWrapping(Vertx vertx) {
    TrackerApi api = tracker.api(vertx);
    String huge = sha("overflow-huge");
    Peer source = api.register("overflow-source", List.of(file(huge, "huge.img", LARGEST)));
    List<Peer> downloaders = new ArrayList<>();
    for (int d = 0; d < 8; d++) {
      downloaders.add(api.register("overflow-downloader-" + d, List.of()));
    }

    completeBatch(api, downloaders, 2);
    JsonObject stats = api.get("/api/v1/stats").bodyAsJsonObject();
    assertThat(stats.getLong("bytesTransferred")).as("exact past 2^53").isEqualTo(2 * LARGEST);
    assertThat(servedTotal(api, source)).isEqualTo(2 * LARGEST);

    long lastBytes = stats.getLong("bytesTransferred");
    int completed = 2;
    while (completed < COMPLETIONS) {
      int batch = Math.min(32, COMPLETIONS - completed);
      completeBatch(api, downloaders, batch);
      completed += batch;
      long bytes = api.get("/api/v1/stats").bodyAsJsonObject().getLong("bytesTransferred");
      assertThat(bytes).as("after %d completions", completed).isGreaterThanOrEqualTo(lastBytes);
      lastBytes = bytes;
    }

    stats = api.get("/api/v1/stats").bodyAsJsonObject();
    assertThat(stats.getLong("completedTransfers")).isEqualTo(COMPLETIONS);
    assertThat(stats.getLong("bytesTransferred")).isEqualTo(Long.MAX_VALUE);
    assertThat(servedTotal(api, source)).isEqualTo(Long.MAX_VALUE);
    Pool pool = RegistryPool.create(vertx, DatabaseUrl.parse(tracker.tracker().config().dbUrl()), DatabaseTimeouts.DEFAULTS);
    try {
      BigInteger exact = TrackerApi.await(pool.query("SELECT sum(finished_bytes)::text FROM transfer_totals").execute())
          .iterator().next().getString(0).transform(BigInteger::new);
      assertThat(exact).as("the registry's exact sum").isEqualTo(BigInteger.valueOf(LARGEST).multiply(BigInteger.valueOf(COMPLETIONS)));
    } finally {
      TrackerApi.await(pool.close());
    }

    // Saturated totals take more (an active transfer's progress, another completion) without moving or failing.
    Peer downloader = downloaders.get(0);
    String transferId = startFromSource(api, downloaders, downloader).bodyAsJsonObject().getString("transferId");
    assertThat(api.post("/api/v1/transfers/" + transferId + "/progress", downloader.token(),
        new JsonObject().put("bytes", LARGEST - 1)).statusCode()).isEqualTo(200);
    assertThat(api.get("/api/v1/stats").bodyAsJsonObject().getLong("bytesTransferred")).isEqualTo(Long.MAX_VALUE);
    assertThat(api.post("/api/v1/transfers/" + transferId + "/complete", downloader.token(), null).statusCode()).isEqualTo(200);
    stats = api.get("/api/v1/stats").bodyAsJsonObject();
    assertThat(stats.getLong("completedTransfers")).isEqualTo(COMPLETIONS + 1);
    assertThat(stats.getLong("bytesTransferred")).isEqualTo(Long.MAX_VALUE);
    assertThat(servedTotal(api, source)).isEqualTo(Long.MAX_VALUE);
  }

  /** Starts {@code count} transfers from the source at once, then completes them at once. */
  private static void completeBatch(TrackerApi api, List<Peer> downloaders, int count) {
    List<Future<HttpResponse<Buffer>>> starts = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Peer downloader = downloaders.get(i % downloaders.size());
      starts.add(api.sendAsync(HttpMethod.POST, "/api/v1/transfers", downloader.token(), leaseRequest(downloaders, downloader)));
    }
    TrackerApi.await(Future.all(starts));
    List<Future<HttpResponse<Buffer>>> completions = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      HttpResponse<Buffer> lease = starts.get(i).result();
      assertThat(lease.statusCode()).as(lease.bodyAsString()).isEqualTo(201);
      completions.add(api.sendAsync(HttpMethod.POST, "/api/v1/transfers/" + lease.bodyAsJsonObject().getString("transferId") + "/complete",
          downloaders.get(i % downloaders.size()).token(), null));
    }
    TrackerApi.await(Future.all(completions));
    assertThat(completions).allSatisfy(c -> assertThat(c.result().statusCode()).as(c.result().bodyAsString()).isEqualTo(200));
  }

  private static HttpResponse<Buffer> startFromSource(TrackerApi api, List<Peer> downloaders, Peer downloader) {
    return api.post("/api/v1/transfers", downloader.token(), leaseRequest(downloaders, downloader));
  }

  /** Downloaders become holders as they complete; excluding them keeps the source the only candidate. */
  private static JsonObject leaseRequest(List<Peer> downloaders, Peer downloader) {
    return new JsonObject().put("sha256", sha("overflow-huge"))
        .put("exclude", downloaders.stream().filter(d -> d != downloader).map(Peer::peerId).toList());
  }

  private static long servedTotal(TrackerApi api, Peer peer) {
    return api.get("/api/v1/peers/" + peer.peerId()).bodyAsJsonObject().getLong("servedTotal");
  }
}
