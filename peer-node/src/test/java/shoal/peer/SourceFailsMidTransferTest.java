package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import shoal.peer.share.Sha256;
import shoal.peer.testing.Downloading;
import shoal.peer.testing.Eventually;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;

/** Failover: a source that dies mid-transfer is replaced, and the download resumes where it stopped. */
@ExtendWith(VertxExtension.class)
@DisplayName("A source failing mid-transfer")
class SourceFailsMidTransferTest {

  private static final long SIZE = 32L << 20;

  private PeerNetwork network;

  @BeforeEach
  void startTracker(Vertx vertx) {
    network = PeerNetwork.start(vertx);
  }

  @AfterEach
  void stop() {
    network.close();
  }

  @Test
  @DisplayName("When the source is killed mid-transfer the download completes from another holder, identical, fetching only the rest")
  void resumesFromAnotherHolder(@TempDir Path first, @TempDir Path second, @TempDir Path downloading) throws Exception {
    String sha256 = TestFiles.random(first.resolve("dataset.csv"), SIZE, 11);
    TestFiles.random(second.resolve("dataset.csv"), SIZE, 11);
    PeerNode slow = network.peer("slow", first, config -> config.withUploadLimit(4L << 20));
    PeerNode backup = network.peer("backup", second);
    PeerNode downloader = network.peer("downloader", downloading);
    assertThat(network.occupyHolder(sha256, slow.peerId())).isEqualTo(backup.peerId());
    String slowId = slow.peerId();

    String downloadId = Downloading.start(network, downloader, sha256);
    Eventually.within(Duration.ofSeconds(20), () ->
        assertThat(downloader.downloads().find(downloadId).orElseThrow().bytes()).isGreaterThan(4L << 20));
    slow.kill();
    JsonObject end = Downloading.awaitEnd(network, downloader, downloadId, Duration.ofSeconds(60));

    assertThat(end.getString("state")).as(end.encode()).isEqualTo("done");
    assertThat(Sha256.ofFile(downloading.resolve("dataset.csv"))).isEqualTo(sha256);
    JsonArray sources = end.getJsonArray("sources");
    assertThat(sources).hasSize(2);
    assertThat(sources.getJsonObject(0).getString("peerId")).isEqualTo(slowId);
    assertThat(sources.getJsonObject(1).getString("peerId")).isEqualTo(backup.peerId());
    long fromSlow = sources.getJsonObject(0).getLong("bytes");
    long fromBackup = sources.getJsonObject(1).getLong("bytes");
    assertThat(fromBackup).isLessThan(SIZE);
    assertThat(fromSlow + fromBackup).isEqualTo(SIZE);
    Map<String, String> stateBySource = network.transfersOf(sha256).stream()
        .filter(t -> downloader.peerId().equals(t.getString("to")))
        .collect(Collectors.toMap(t -> String.valueOf(t.getString("from")), t -> t.getString("state")));
    assertThat(stateBySource).containsEntry(backup.peerId(), "completed").containsValue("failed");
  }
}
