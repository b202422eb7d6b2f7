package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;
import shoal.tracker.TrackerConfig;

/**
 * Peers heartbeat at the {@code heartbeatSeconds} the tracker hands out at registration, so that
 * they stay registered within its {@code ttlSeconds}: seen through the tracker's {@code lastSeen},
 * which only a heartbeat moves while a peer is otherwise silent.
 */
@Timeout(120)
@DisplayName("Peers keep the tracker's pace")
class HeartbeatPaceTest {

  private static PeerNetwork trackerWith(Duration heartbeat, Duration ttl) {
    return PeerNetwork.perTest(config -> new TrackerConfig(config.host(), config.port(), config.dbUrl(), config.dataDir(),
        heartbeat, ttl, config.idleTimeout(), config.maxConnections(), config.transferRetention(), config.dbTimeouts(),
        config.access()));
  }

  /** The distinct {@code lastSeen} values of {@code peerId}, sampled every 100 ms for {@code watch}; fails if it is ever missing. */
  private static List<Instant> watchLastSeen(PeerNetwork network, PeerNode peer, Duration watch) throws Exception {
    String peerId = peer.peerId();
    List<Instant> seen = new ArrayList<>();
    long end = System.nanoTime() + watch.toNanos();
    while (System.nanoTime() < end) {
      var response = network.tracker().get("/api/v1/peers/" + peerId);
      assertThat(response.statusCode()).as("the peer is still registered as %s", peerId).isEqualTo(200);
      Instant lastSeen = Instant.parse(response.bodyAsJsonObject().getString("lastSeen"));
      if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(lastSeen)) {
        seen.add(lastSeen);
      }
      Thread.sleep(100);
    }
    assertThat(peer.peerId()).as("the peer never had to register again").isEqualTo(peerId);
    return seen;
  }

  private static List<Duration> gaps(List<Instant> moments) {
    List<Duration> gaps = new ArrayList<>();
    for (int i = 1; i < moments.size(); i++) {
      gaps.add(Duration.between(moments.get(i - 1), moments.get(i)));
    }
    return gaps;
  }

  @Nested
  @DisplayName("with a 1 s heartbeat and a 3 s TTL")
  class FastTracker {

    @RegisterExtension
    final PeerNetwork network = trackerWith(Duration.ofSeconds(1), Duration.ofSeconds(3));

    @Test
    @DisplayName("a silent peer stays registered, under the same id, for more than three TTLs, heard from about every second")
    void staysRegisteredPastTheTtl(@TempDir Path share) throws Exception {
      TestFiles.text(share.resolve("quiet.txt"), "nothing changes here");
      PeerNode peer = network.peer("quiet", share);

      List<Instant> seen = watchLastSeen(network, peer, Duration.ofSeconds(10));

      // About ten heartbeats in ten seconds; a peer on a slower pace of its own would have expired.
      assertThat(seen).as("heartbeats seen").hasSizeGreaterThanOrEqualTo(6);
      assertThat(gaps(seen)).as("time between heartbeats").allMatch(gap -> gap.compareTo(Duration.ofSeconds(3)) < 0);
    }
  }

  @Nested
  @DisplayName("with a 3 s heartbeat and a 10 s TTL")
  class SlowTracker {

    @RegisterExtension
    final PeerNetwork network = trackerWith(Duration.ofSeconds(3), Duration.ofSeconds(10));

    @Test
    @DisplayName("a peer heartbeats every 3 s, not faster: it spares the tracker what it was asked to spare")
    void beatsNoFasterThanTold(@TempDir Path share) throws Exception {
      TestFiles.text(share.resolve("quiet.txt"), "nothing changes here");
      PeerNode peer = network.peer("quiet", share);

      List<Instant> seen = watchLastSeen(network, peer, Duration.ofSeconds(10));

      assertThat(seen).as("heartbeats seen").hasSizeBetween(3, 5);
      assertThat(gaps(seen)).as("time between heartbeats")
          .allMatch(gap -> gap.compareTo(Duration.ofMillis(2_500)) > 0 && gap.compareTo(Duration.ofSeconds(10)) < 0);
    }
  }
}
