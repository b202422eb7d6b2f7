package shoal.peer.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import shoal.peer.NodeContext;
import shoal.peer.metrics.PeerMetrics;
import shoal.peer.PeerConfig;
import shoal.peer.serve.FilesVerticle;
import shoal.peer.serve.UploadSlots;
import shoal.peer.share.PartialShares;
import shoal.peer.share.ShareIndex;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;
import shoal.peer.tracker.TrackerClient;
import shoal.peer.tracker.TrackerSession;

/** A node running for months lists its newest finished downloads, not every one it ever made. */
@Timeout(60)
@DisplayName("Bounding the list of finished downloads")
class FinishedDownloadsTest {

  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest();

  @Test
  @DisplayName("of 2 500 finished downloads the newest 1 000 are kept and the oldest forgotten first")
  void keepsTheNewestThousand() {
    FinishedDownloads finished = new FinishedDownloads(FinishedDownloads.KEEP);
    List<String> forgotten = new ArrayList<>();
    for (int i = 0; i < 2_500; i++) {
      forgotten.addAll(finished.finished("download-" + i));
    }

    assertThat(forgotten).hasSize(1_500).startsWith("download-0", "download-1").endsWith("download-1499");
  }

  @Test
  @DisplayName("with room for 2, after 4 downloads the node lists the newest 2 and forgets the others, and downloads on")
  void downloadsListOnlyTheNewestFinished(@TempDir Path share, @TempDir Path out) throws Exception {
    List<String> hashes = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      hashes.add(TestFiles.random(share.resolve("part-" + i + ".bin"), 10_000 + i, i));
    }
    network.peer("holder", share);

    Vertx vertx = Vertx.vertx();
    try {
      TrackerClient client = new TrackerClient(vertx, network.trackerUrl());
      ShareIndex nothingShared = new ShareIndex();
      FilesVerticle files = new FilesVerticle(nothingShared, new PartialShares(), new UploadSlots(1), "127.0.0.1", 0, 0,
          PeerConfig.DEFAULT_IDLE_TIMEOUT, 16, new PeerMetrics());
      vertx.deployVerticle(files).await(10, TimeUnit.SECONDS);
      NodeContext node = new NodeContext(vertx);
      TrackerSession session = new TrackerSession(vertx, node, client, "bounded", "http://127.0.0.1:" + files.actualPort(), nothingShared);
      session.start().await(10, TimeUnit.SECONDS);
      Downloads downloads = new Downloads(vertx, node, session, client, FetchSettings.inside(out, SourcePatience.DEFAULT),
          (file, hash, pieces) -> Future.succeededFuture(), new PartialShares(), new PeerMetrics(), 2);

      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        String id = downloads.start(hashes.get(i)).await(10, TimeUnit.SECONDS).downloadId();
        assertThat(downloads.whenFinished(id).await(20, TimeUnit.SECONDS).done()).isTrue();
        ids.add(id);
      }

      assertThat(downloads.all().await(10, TimeUnit.SECONDS)).extracting(DownloadStatus::downloadId)
          .containsExactlyInAnyOrder(ids.get(2), ids.get(3));
      assertThat(downloads.find(ids.get(0)).await(10, TimeUnit.SECONDS)).isEmpty();
      assertThat(downloads.find(ids.get(3)).await(10, TimeUnit.SECONDS)).isPresent();
      String fifth = downloads.start(hashes.get(4)).await(10, TimeUnit.SECONDS).downloadId();
      assertThat(downloads.whenFinished(fifth).await(20, TimeUnit.SECONDS).done()).isTrue();
      assertThat(downloads.all().await(10, TimeUnit.SECONDS)).extracting(DownloadStatus::downloadId)
          .containsExactlyInAnyOrder(ids.get(3), fifth);
      assertThat(Files.list(out).filter(Files::isRegularFile).count()).as("every file is saved").isEqualTo(5);
      session.leave().await(10, TimeUnit.SECONDS);
      downloads.close().await(10, TimeUnit.SECONDS);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
