package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import shoal.peer.testing.Eventually;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;
import shoal.tracker.testing.TrackerApi;

/** Seed scenario 1: connect to the tracker and report the files the node has. */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("Connect to the tracker and report the files the node has")
class ConnectAndReportFilesTest {

  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest();

  @Test
  @DisplayName("A peer started on a folder of three files appears at the tracker with exactly those hashes, sizes and names")
  void reportsItsFiles(@TempDir Path share) throws Exception {
    String a = TestFiles.text(share.resolve("notes.txt"), "meeting at noon\n");
    String b = TestFiles.random(share.resolve("photos/beach.jpg"), 300_000, 1);
    String c = TestFiles.random(share.resolve("photos/2024/deep/song.mp3"), 1_000_001, 2);
    TestFiles.text(share.resolve(".hidden"), "not shared");
    TestFiles.text(share.resolve("download.part"), "not shared either");
    Files.createSymbolicLink(share.resolve("link-to-notes"), share.resolve("notes.txt"));

    PeerNode peer = network.peer("alice", share);

    JsonObject atTracker = network.peerAtTracker(peer.peerId());
    assertThat(atTracker.getString("name")).isEqualTo("alice");
    assertThat(atTracker.getJsonArray("files").stream().map(file -> new JsonObject(file.toString()))).containsExactlyInAnyOrder(
        TrackerApi.file(a, "notes.txt", 16),
        TrackerApi.file(b, "beach.jpg", 300_000),
        TrackerApi.file(c, "song.mp3", 1_000_001));
  }

  @Test
  @DisplayName("A file dropped into the folder reaches the tracker within 2 s, and a deleted one disappears as fast")
  void followsTheFolder(@TempDir Path share) throws Exception {
    TestFiles.text(share.resolve("one.txt"), "1");
    TestFiles.text(share.resolve("two.txt"), "22");
    String three = TestFiles.text(share.resolve("three.txt"), "333");
    PeerNode peer = network.peer("bob", share);

    String dropped = TestFiles.random(share.resolve("new/arrival.bin"), 50_000, 7);
    Eventually.within(Duration.ofSeconds(2), () -> assertThat(hashesAtTracker(peer)).contains(dropped));

    Files.delete(share.resolve("three.txt"));
    Eventually.within(Duration.ofSeconds(2), () -> assertThat(hashesAtTracker(peer)).doesNotContain(three).hasSize(3));
  }

  @Test
  @DisplayName("A restarted peer takes a file's hash from its cache while the file's path, size and modification time are unchanged")
  void restartsFromTheHashCache(@TempDir Path share) throws Exception {
    Path file = share.resolve("big.bin");
    String original = TestFiles.random(file, 1L << 20, 3);
    network.peer("carol", share).close();
    // Other bytes under the same path, size and time: a peer that read the file again would report
    // their hash, so seeing the old one is the only outside sign that the cache was used. Hashing
    // is too fast (64 MiB in about 0.2 s) for a stopwatch to tell the two apart.
    FileTime modified = Files.getLastModifiedTime(file);
    String rewritten = TestFiles.random(file, 1L << 20, 4);
    Files.setLastModifiedTime(file, modified);
    assertThat(rewritten).isNotEqualTo(original);

    PeerNode again = network.peer("carol", share);

    assertThat(hashesAtTracker(again)).containsExactly(original);
    assertThat(Files.readString(share.resolve(".shoal/hashes.tsv"))).contains(original);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"a new size, 1048577, false", "a new modification time, 1048576, true"})
  @DisplayName("A file changed in place while the peer was stopped, with a new size or modification time, is hashed anew on restart")
  void rehashesAFileChangedInPlace(String change, long newSize, boolean touch, @TempDir Path share) throws Exception {
    Path file = share.resolve("big.bin");
    String original = TestFiles.random(file, 1L << 20, 3);
    network.peer("carol", share).close();
    FileTime modified = Files.getLastModifiedTime(file);
    String rewritten = TestFiles.random(file, newSize, 4);
    // Same time unless the case is about the time, so that only the named change can give it away.
    Files.setLastModifiedTime(file, touch ? FileTime.fromMillis(modified.toMillis() + 2_000) : modified);

    PeerNode again = network.peer("carol", share);

    assertThat(hashesAtTracker(again)).containsExactly(rewritten);
    assertThat(Files.readString(share.resolve(".shoal/hashes.tsv"))).contains(rewritten);
  }

  @Test
  @DisplayName("A peer the tracker has forgotten (its TTL passed, or the tracker lost it) registers again with all its files")
  void registersAgainWhenForgotten(@TempDir Path share) throws Exception {
    String kept = TestFiles.text(share.resolve("kept.txt"), "kept");
    PeerNode peer = network.peer("erin", share);
    String firstId = peer.peerId();

    network.forget(firstId);

    Eventually.within(Duration.ofSeconds(5), () -> {
      assertThat(peer.peerId()).isNotNull().isNotEqualTo(firstId);
      assertThat(hashesAtTracker(peer)).containsExactly(kept);
    });
    String added = TestFiles.text(share.resolve("added.txt"), "added after");
    Eventually.within(Duration.ofSeconds(2), () -> assertThat(hashesAtTracker(peer)).containsExactlyInAnyOrder(kept, added));
  }

  @Test
  @DisplayName("A share of more files than the tracker takes in one request is registered in batches, all of them")
  void registersLargeTreesInBatches(@TempDir Path share) throws Exception {
    int count = 10_050;
    for (int i = 0; i < count; i++) {
      Files.writeString(Files.createDirectories(share.resolve("part-" + i / 1_000)).resolve("file-" + i + ".txt"), "file " + i);
    }

    PeerNode peer = network.peer("frank", share);

    JsonObject listed = network.tracker().get("/api/v1/peers").bodyAsJsonArray().stream()
        .map(JsonObject.class::cast).filter(p -> peer.peerId().equals(p.getString("peerId"))).findFirst().orElseThrow();
    assertThat(listed.getInteger("files")).isEqualTo(count);
  }

  private List<String> hashesAtTracker(PeerNode peer) {
    return network.peerAtTracker(peer.peerId()).getJsonArray("files").stream()
        .map(file -> ((JsonObject) file).getString("sha256")).toList();
  }
}
