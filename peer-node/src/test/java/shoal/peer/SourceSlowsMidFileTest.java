package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import shoal.peer.fetch.SourcePatience;
import shoal.peer.share.PieceLayout;
import shoal.peer.share.Sha256;
import shoal.peer.testing.Downloading;
import shoal.peer.testing.FakeHolder;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.RawHttp;
import shoal.peer.testing.TestFiles;
import shoal.tracker.testing.TrackerApi;

/**
 * One of several sources goes bad part-way through a file, after it has supplied good pieces: it
 * is cut off and reported, its piece goes to the honest holder, and the download ends on time.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("A source that slows down mid-file")
class SourceSlowsMidFileTest {

  private static final long SIZE = 64L << 20;
  private static final PieceLayout LAYOUT = PieceLayout.of(SIZE);
  /** Pieces the bad source serves whole and right before it misbehaves. */
  private static final int GOOD_PIECES = 3;
  /** The honest holder's cap: 64 MiB alone take it about 8 s, so there is work left when the other goes bad. */
  private static final long HONEST_RATE = 8 << 20;
  /** Far above the ~8 s the honest holder needs, far below what waiting on the bad source would cost. */
  private static final Duration ON_TIME = Duration.ofSeconds(20);

  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest();

  /** What the bad source does with the piece it is asked for after {@link #GOOD_PIECES}. */
  @FunctionalInterface
  private interface Misbehaviour {
    void send(OutputStream out, byte[] content, long from, long last, CountDownLatch released) throws Exception;
  }

  @Test
  @DisplayName("Goes silent with the socket open after three good pieces: it is reported stalled after --stall-timeout, the honest holder supplies the rest, and the file is identical")
  void stalledSourceIsCutOff(@TempDir Path honestShare, @TempDir Path downloading) throws Exception {
    Misbehaviour silence = (out, content, from, last, released) -> {
      out.write(content, (int) from, 4096);
      out.flush();
      released.await(60, TimeUnit.SECONDS);
    };
    downloadWithOneGoingBad(honestShare, downloading, silence, "stalled",
        config -> config.withStallTimeout(Duration.ofSeconds(2)));
  }

  @Test
  @DisplayName("Slows to 2 KiB/s after three good pieces: it is reported too_slow after --speed-time below --speed-limit, and the download ends on time")
  void crawlingSourceIsCutOff(@TempDir Path honestShare, @TempDir Path downloading) throws Exception {
    // 512 bytes every 250 ms: never silent for the stall timeout, far below 64 KiB/s over 2 s.
    Misbehaviour crawl = (out, content, from, last, released) -> {
      for (long at = from; at <= last; at += 512) {
        out.write(content, (int) at, (int) Math.min(512, last + 1 - at));
        out.flush();
        if (released.await(250, TimeUnit.MILLISECONDS)) {
          return;
        }
      }
    };
    SourcePatience impatient = SourcePatience.DEFAULT.withSpeedFloor(64 << 10, Duration.ofSeconds(2));
    downloadWithOneGoingBad(honestShare, downloading, crawl, "too_slow", config -> config.withPatience(impatient));
  }

  /**
   * An honest holder capped at {@link #HONEST_RATE} and a fake one that serves the true piece list
   * and {@link #GOOD_PIECES} right pieces, then misbehaves; one download of the file, which must
   * end on time, identical, with the fake reported for {@code reason} and the honest one never
   * blamed. The honest holder is made the first source, so a download that used only its first
   * source would never see the fake at all.
   */
  private void downloadWithOneGoingBad(Path honestShare, Path downloading, Misbehaviour misbehaviour, String reason,
      UnaryOperator<PeerConfig> downloaderTuning) throws Exception {
    String sha256 = TestFiles.random(honestShare.resolve("archive.tar"), SIZE, 81);
    byte[] content = Files.readAllBytes(honestShare.resolve("archive.tar"));
    PeerNode honest = network.peer("honest", honestShare, config -> config.withUploadLimit(HONEST_RATE));
    byte[] pieceList = RawHttp.send(honest.filesPort(), "GET", "/files/" + sha256 + "/pieces").body();
    assertThat(new JsonObject(new String(pieceList, StandardCharsets.UTF_8))
        .getJsonArray("pieces")).as("the honest holder's piece list").hasSize(LAYOUT.count());
    CountDownLatch released = new CountDownLatch(1);
    AtomicInteger asked = new AtomicInteger();
    try (FakeHolder fake = new FakeHolder((request, out) -> {
      if (request.target().endsWith("/pieces")) {
        FakeHolder.head(out, "200 OK", "Content-Type: application/json", "Content-Length: " + pieceList.length);
        out.write(pieceList);
        return;
      }
      long from = request.rangeStart();
      long last = request.lastByte(SIZE);
      if (request.asksForRange() || from > 0) {
        FakeHolder.head(out, "206 Partial Content", "Content-Length: " + (last + 1 - from),
            "Content-Range: bytes " + from + "-" + last + "/" + SIZE, "ETag: \"" + sha256 + "\"");
      } else {
        FakeHolder.head(out, "200 OK", "Content-Length: " + SIZE, "ETag: \"" + sha256 + "\"");
      }
      if (asked.getAndIncrement() < GOOD_PIECES) {
        out.write(content, (int) from, (int) (last + 1 - from));
      } else {
        misbehaviour.send(out, content, from, last, released);
      }
    })) {
      String fakeId = fake.register(network.tracker(), "going-bad", TrackerApi.file(sha256, "archive.tar", SIZE));
      assertThat(network.occupyHolder(sha256, honest.peerId())).isEqualTo(fakeId);
      PeerNode downloader = network.peer("downloader", downloading, downloaderTuning);

      long started = System.nanoTime();
      JsonObject end = Downloading.awaitEnd(network, downloader, Downloading.start(network, downloader, sha256),
          ON_TIME.plusSeconds(10));
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      System.out.printf("64 MiB with a source going %s after %d pieces: %d ms%n", reason, GOOD_PIECES, took.toMillis());

      assertThat(end.getString("state")).as(end.encode()).isEqualTo("done");
      assertThat(took).isLessThan(ON_TIME);
      assertThat(Sha256.ofFile(downloading.resolve("archive.tar"))).isEqualTo(sha256);
      assertThat(end.getJsonArray("sources").stream().map(source -> ((JsonObject) source).getString("peerId")))
          .as("sources of " + end.encode()).containsExactlyInAnyOrder(honest.peerId(), fakeId);
      JsonObject fromFake = sourceOf(end, fakeId);
      JsonObject fromHonest = sourceOf(end, honest.peerId());
      assertThat(fromFake.getInteger("pieces")).as("verified pieces from the fake in " + end.encode())
          .isEqualTo(GOOD_PIECES);
      assertThat(fromFake.getLong("bytes")).as("bytes from the fake in " + end.encode())
          .isBetween((long) GOOD_PIECES * LAYOUT.pieceSize(), (long) (GOOD_PIECES + 1) * LAYOUT.pieceSize() - 1);
      assertThat(fromFake.getLong("rate")).as("the fake's rate once cut off, in " + end.encode()).isZero();
      assertThat(fromHonest.getInteger("pieces")).as("verified pieces from the honest holder: the rest, in " + end.encode())
          .isEqualTo(LAYOUT.count() - GOOD_PIECES);
      assertThat(fromHonest.getLong("bytes")).as("bytes from the honest holder in " + end.encode())
          .isGreaterThanOrEqualTo(SIZE - (long) GOOD_PIECES * LAYOUT.pieceSize());
      assertThat(fromHonest.containsKey("rate")).as("the honest holder's entry has a rate: " + end.encode()).isTrue();
      assertThat(fake.requests()).filteredOn(request -> !request.target().endsWith("/pieces"))
          .as("what the fake was asked for: one piece a request, If-Range the file's ETag")
          .hasSizeGreaterThan(GOOD_PIECES)
          .allSatisfy(request -> {
            assertThat(request.asksForRange()).as(request.toString()).isTrue();
            int piece = LAYOUT.pieceAt(request.rangeStart());
            assertThat(request.rangeStart()).as(request.toString()).isEqualTo(LAYOUT.start(piece));
            assertThat(request.rangeEnd()).as(request.toString()).isEqualTo(LAYOUT.start(piece) + LAYOUT.length(piece) - 1);
            assertThat(request.ifRange()).as(request.toString()).isEqualTo("\"" + sha256 + "\"");
          });
      assertThat(Downloading.failureReason(network, sha256, fakeId)).isEqualTo(reason);
      Downloading.assertNeverBlamed(network, sha256, honest.peerId());
    } finally {
      released.countDown();
    }
  }

  private static JsonObject sourceOf(JsonObject download, String peerId) {
    return download.getJsonArray("sources").stream().map(JsonObject.class::cast)
        .filter(source -> peerId.equals(source.getString("peerId"))).findFirst().orElseThrow();
  }
}
