package shoal.peer.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import shoal.common.transfer.FailureReason;
import shoal.peer.PeerNode;
import shoal.tracker.testing.TrackerApi;

/** Starts downloads through a node's control API, as a user would, and waits for their end. */
public final class Downloading {

  private Downloading() {}

  /** {@code POST /api/v1/downloads}; answers the download id. */
  public static String start(PeerNetwork network, PeerNode node, String sha256) {
    TrackerApi control = network.control(node);
    try {
      HttpResponse<?> response = control.post("/api/v1/downloads", node.controlToken(), new JsonObject().put("sha256", sha256));
      assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(202);
      return response.bodyAsJsonObject().getString("downloadId");
    } finally {
      control.close();
    }
  }

  /**
   * Asserts that the tracker holds no failure of {@code holder}'s transfers of {@code sha256} that
   * blames it: whatever the others did, an honest holder is never reported at fault. Waits first
   * until none of those transfers is still active, so that a report on its way is not missed.
   */
  public static void assertNeverBlamed(PeerNetwork network, String sha256, String holder) {
    Eventually.within(Duration.ofSeconds(5), () -> assertThat(network.transfersOf(sha256).stream()
            .filter(transfer -> holder.equals(transfer.getString("from")))
            .filter(transfer -> !transfer.getString("toName", "").startsWith(PeerNetwork.STAND_IN)))
        .as("the holder's transfers, all ended").noneMatch(transfer -> "active".equals(transfer.getString("state"))));
    assertThat(network.transfersOf(sha256).stream()
            .filter(transfer -> holder.equals(transfer.getString("from")))
            .filter(transfer -> "failed".equals(transfer.getString("state")))
            .map(transfer -> transfer.getString("reason")))
        .as("reasons given for the honest holder's failed transfers")
        .allSatisfy(reason -> assertThat(FailureReason.fromCode(reason)).hasValueSatisfying(
            known -> assertThat(known.blamesSource()).as(reason).isFalse()));
  }

  /**
   * The reason the tracker recorded for the first failed transfer from {@code source}, waiting a
   * few seconds for it: a downloader reports a failure to the tracker without waiting for the answer.
   */
  public static String failureReason(PeerNetwork network, String sha256, String source) {
    String[] reason = new String[1];
    Eventually.within(Duration.ofSeconds(5), () -> reason[0] = network.transfersOf(sha256).stream()
        .filter(transfer -> source.equals(transfer.getString("from")) && "failed".equals(transfer.getString("state")))
        .map(transfer -> transfer.getString("reason"))
        .findFirst().orElseThrow(() -> new AssertionError("no failed transfer from " + source)));
    return reason[0];
  }

  /** Polls {@code GET /api/v1/downloads/{id}} until the download has finished; answers its last state. */
  public static JsonObject awaitEnd(PeerNetwork network, PeerNode node, String downloadId, Duration within) {
    TrackerApi control = network.control(node);
    try {
      JsonObject[] last = new JsonObject[1];
      Eventually.within(within, () -> {
        last[0] = control.send(io.vertx.core.http.HttpMethod.GET, "/api/v1/downloads/" + downloadId, node.controlToken(), null)
            .bodyAsJsonObject();
        assertThat(last[0].getString("state")).as(last[0].encode()).isIn("done", "failed", "cancelled");
      });
      return last[0];
    } finally {
      control.close();
    }
  }
}
