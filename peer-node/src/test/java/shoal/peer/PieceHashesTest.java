package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import shoal.peer.share.PieceLayout;
import shoal.peer.testing.Downloading;
import shoal.peer.testing.Eventually;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.RawHttp;
import shoal.peer.testing.RawHttp.Reply;
import shoal.peer.testing.TestFiles;
import shoal.tracker.testing.TrackerApi;

/** {@code GET /files/{sha256}/pieces}: what a downloader checks each piece from several holders against. */
@ExtendWith(VertxExtension.class)
@DisplayName("The files port lists the SHA-256 of every piece of a shared file")
class PieceHashesTest {

  private static final long MIB = 1L << 20;

  @TempDir
  static Path root;
  private static PeerNetwork network;
  private static PeerNode peer;
  private static Path share;

  @BeforeAll
  static void startPeer(Vertx vertx) throws Exception {
    share = root.resolve("share");
    TestFiles.random(share.resolve("film.bin"), 10 * MIB + 123, 1);
    TestFiles.random(share.resolve("note.bin"), 1_000, 2);
    TestFiles.text(share.resolve("empty.txt"), "");
    network = PeerNetwork.start(vertx);
    peer = network.peer("slicer", share);
  }

  @AfterAll
  static void stop() {
    network.close();
  }

  @Test
  @DisplayName("a file of several pieces is listed with its piece size and each piece's hash, as anyone computes them from its bytes")
  void listsEveryPiece() throws Exception {
    Path file = share.resolve("film.bin");
    String sha256 = TestFiles.random(root.resolve("copy.bin"), 10 * MIB + 123, 1);

    Reply reply = RawHttp.send(peer.filesPort(), "GET", "/files/" + sha256 + "/pieces");

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.head()).containsIgnoringCase("content-type: application/json");
    JsonObject body = new JsonObject(reply.bodyText());
    assertThat(body.fieldNames()).containsExactlyInAnyOrder("sha256", "size", "pieceSize", "pieces");
    assertThat(body.getString("sha256")).isEqualTo(sha256);
    assertThat(body.getLong("size")).isEqualTo(10 * MIB + 123);
    assertThat(body.getInteger("pieceSize")).isEqualTo(4 << 20);
    assertThat(body.getJsonArray("pieces").getList()).hasSize(3).isEqualTo(pieceHashesOf(file));
  }

  @Test
  @DisplayName("a short file is one piece whose hash is the file's, and an empty file has no pieces")
  void listsShortAndEmptyFiles() throws Exception {
    String note = TestFiles.random(root.resolve("note-copy.bin"), 1_000, 2);
    String empty = TestFiles.text(root.resolve("empty-copy.txt"), "");

    JsonObject short_ = pieces(peer, note);
    JsonObject none = pieces(peer, empty);

    assertThat(short_.getLong("size")).isEqualTo(1_000);
    assertThat(short_.getInteger("pieceSize")).isEqualTo(4 << 20);
    assertThat(short_.getJsonArray("pieces").getList()).containsExactly(note).isEqualTo(pieceHashesOf(share.resolve("note.bin")));
    assertThat(none.getLong("size")).isZero();
    assertThat(none.getJsonArray("pieces").getList()).isEmpty();
  }

  @Test
  @DisplayName("HEAD gives the list's type and length and no body")
  void answersHead() throws Exception {
    String sha256 = peer.index().files().stream().filter(f -> f.name().equals("film.bin")).findFirst().orElseThrow().sha256();
    Reply get = RawHttp.send(peer.filesPort(), "GET", "/files/" + sha256 + "/pieces");
    Reply head = RawHttp.send(peer.filesPort(), "HEAD", "/files/" + sha256 + "/pieces");

    assertThat(head.status()).isEqualTo(200);
    assertThat(head.head()).containsIgnoringCase("content-type: application/json")
        .containsIgnoringCase("content-length: " + get.body().length);
    assertThat(head.body()).isEmpty();
  }

  @Test
  @DisplayName("a hash this peer does not share gives 404 not_shared, and anything but a hash 400")
  void refusesUnknownAndMalformedHashes() throws Exception {
    Reply unknown = RawHttp.send(peer.filesPort(), "GET", "/files/" + TrackerApi.sha("not here") + "/pieces");
    String film = peer.index().files().stream().filter(f -> f.name().equals("film.bin")).findFirst().orElseThrow().sha256();
    Reply upper = RawHttp.send(peer.filesPort(), "GET", "/files/" + film.toUpperCase() + "/pieces");

    assertThat(unknown.status()).isEqualTo(404);
    assertThat(new JsonObject(unknown.bodyText()).getString("error")).isEqualTo("not_shared");
    assertThat(upper.status()).isEqualTo(400);
    assertThat(new JsonObject(upper.bodyText()).getString("error")).isEqualTo("invalid_request");
  }

  @Test
  @DisplayName("a restarted peer serves the piece hashes it kept instead of reading the file again")
  void restartsFromThePieceCache() throws Exception {
    Path kept = root.resolve("kept");
    Path file = kept.resolve("video.bin");
    String sha256 = TestFiles.random(file, 9 * MIB, 3);
    List<String> original = pieceHashesOf(file);
    PeerNode first = network.peer("keeper", kept);
    assertThat(pieces(first, sha256).getJsonArray("pieces").getList()).isEqualTo(original);
    first.close();

    // Other bytes under the same size and time: only a peer that reads the file again could notice.
    FileTime modified = Files.getLastModifiedTime(file);
    TestFiles.random(file, 9 * MIB, 4);
    Files.setLastModifiedTime(file, modified);
    assertThat(pieceHashesOf(file)).doesNotContainAnyElementsOf(original);
    PeerNode again = network.peer("keeper", kept);

    assertThat(pieces(again, sha256).getJsonArray("pieces").getList()).isEqualTo(original);
    assertThat(kept.resolve(".shoal/pieces/" + sha256)).isRegularFile();
    again.close();
  }

  @Test
  @DisplayName("a file hashed before pieces existed is listed at once, and its pieces are answered 503 with Retry-After: 1 while they are hashed")
  void answers503WhileHashing() throws Exception {
    Path old = root.resolve("old");
    Path file = Files.createDirectories(old).toRealPath().resolve("disk.img");
    try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
      sparse.setLength(8L << 30);
    }
    // The cache of a version without pieces: the file's hash, and no piece hashes beside it.
    String sha256 = TrackerApi.sha("an 8 GiB disk image");
    writeOldHashCache(old, file, sha256);
    PeerNode upgraded = network.peer("upgraded", old);
    try {
      Reply reply = RawHttp.send(upgraded.filesPort(), "GET", "/files/" + sha256 + "/pieces");

      assertThat(upgraded.index().find(sha256)).isPresent();
      assertThat(reply.status()).isEqualTo(503);
      assertThat(reply.head()).containsIgnoringCase("retry-after: 1");
      assertThat(new JsonObject(reply.bodyText()).getString("error")).isEqualTo("hashing");
    } finally {
      upgraded.close();
    }
  }

  @Test
  @DisplayName("a file hashed before pieces existed gets its pieces hashed and kept without restarting the peer")
  void hashesMissingPieces() throws Exception {
    Path old = root.resolve("older");
    Path file = Files.createDirectories(old).toRealPath().resolve("album.bin");
    String sha256 = TestFiles.random(file, 9 * MIB + 5, 5);
    writeOldHashCache(old, file, sha256);
    PeerNode upgraded = network.peer("older", old);
    try {
      Eventually.within(Duration.ofSeconds(10), () -> assertThat(
          RawHttp.send(upgraded.filesPort(), "GET", "/files/" + sha256 + "/pieces").status()).isEqualTo(200));

      assertThat(pieces(upgraded, sha256).getJsonArray("pieces").getList()).isEqualTo(pieceHashesOf(file));
      assertThat(old.resolve(".shoal/pieces/" + sha256)).isRegularFile();
    } finally {
      upgraded.close();
    }
  }

  @Test
  @DisplayName("a peer that downloaded a file lists its pieces within seconds of sharing it, and keeps them")
  void downloadedFilesHavePieces() throws Exception {
    Path seedShare = root.resolve("seed");
    String sha256 = TestFiles.random(seedShare.resolve("game.bin"), 9 * MIB, 6);
    network.peer("seed", seedShare);
    Path leechShare = root.resolve("leech");
    PeerNode leech = network.peer("leech", leechShare);

    JsonObject end = Downloading.awaitEnd(network, leech, Downloading.start(network, leech, sha256), Duration.ofSeconds(60));
    assertThat(end.getString("state")).isEqualTo("done");

    // Hashed in the background after the download is done, so that finishing never waits for a second read.
    Eventually.within(Duration.ofSeconds(10), () -> assertThat(RawHttp.send(leech.filesPort(), "GET",
        "/files/" + sha256 + "/pieces").status()).isEqualTo(200));
    assertThat(pieces(leech, sha256).getJsonArray("pieces").getList()).isEqualTo(pieceHashesOf(seedShare.resolve("game.bin")));
    assertThat(leechShare.resolve(".shoal/pieces/" + sha256)).isRegularFile();
  }

  private static JsonObject pieces(PeerNode node, String sha256) throws IOException {
    Reply reply = RawHttp.send(node.filesPort(), "GET", "/files/" + sha256 + "/pieces");
    assertThat(reply.status()).as(reply.bodyText()).isEqualTo(200);
    return new JsonObject(reply.bodyText());
  }

  private static void writeOldHashCache(Path share, Path file, String sha256) throws IOException {
    Files.createDirectories(share.resolve(".shoal"));
    Files.writeString(share.resolve(".shoal/hashes.tsv"), sha256 + "\t" + Files.size(file) + "\t"
        + Files.getLastModifiedTime(file).toMillis() + "\t" + file + "\n");
  }

  /** Each piece's SHA-256, computed here from the file's bytes and the layout alone. */
  private static List<String> pieceHashesOf(Path file) throws Exception {
    PieceLayout layout = PieceLayout.of(Files.size(file));
    List<String> hashes = new ArrayList<>();
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      for (int piece = 0; piece < layout.count(); piece++) {
        byte[] bytes = new byte[layout.length(piece)];
        in.seek(layout.start(piece));
        in.readFully(bytes);
        hashes.add(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
      }
    }
    return hashes;
  }
}
