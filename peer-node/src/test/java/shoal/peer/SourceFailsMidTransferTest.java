package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import shoal.peer.share.Sha256;
import shoal.peer.testing.Downloading;
import shoal.peer.testing.Eventually;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;
import shoal.tracker.testing.TrackerApi;

/** Failover: a source that dies mid-transfer is replaced, and the download resumes where it stopped. */
@ExtendWith(VertxExtension.class)
@DisplayName("A source failing mid-transfer")
class SourceFailsMidTransferTest {

  private static final long SIZE = 32L << 20;

  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest();


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

  @ParameterizedTest(name = "{1}")
  @CsvSource({"-1, takes the request and never answers", "65536, 'sends the headers and 64 KiB of the body, then nothing'"})
  @DisplayName("A source that goes silent is given up after the stall timeout, and the download resumes from another holder")
  void silentSourceIsReplaced(long bytesBeforeSilence, String behaviour, @TempDir Path second, @TempDir Path downloading)
      throws Exception {
    long size = 1L << 20;
    String sha256 = TestFiles.random(second.resolve("notes.pdf"), size, 12);
    PeerNode backup = network.peer("backup", second);
    try (SilentSource silent = new SilentSource(second.resolve("notes.pdf"), bytesBeforeSilence)) {
      String silentId = network.tracker().post("/api/v1/peers", null, new JsonObject()
              .put("name", "silent")
              .put("address", "http://127.0.0.1:" + silent.port())
              .put("files", new JsonArray(List.of(TrackerApi.file(sha256, "notes.pdf", size)))))
          .bodyAsJsonObject().getString("peerId");
      assertThat(network.occupyHolder(sha256, silentId)).isEqualTo(backup.peerId());
      PeerNode downloader = network.peer("downloader", downloading, config -> config.withStallTimeout(Duration.ofSeconds(1)));

      JsonObject end = Downloading.awaitEnd(network, downloader, Downloading.start(network, downloader, sha256),
          Duration.ofSeconds(30));

      assertThat(end.getString("state")).as(end.encode()).isEqualTo("done");
      JsonArray sources = end.getJsonArray("sources");
      assertThat(sources.stream().map(source -> ((JsonObject) source).getString("peerId")))
          .containsExactly(silentId, backup.peerId());
      assertThat(sources.getJsonObject(0).getLong("bytes")).isEqualTo(Math.max(0, bytesBeforeSilence));
      assertThat(sources.getJsonObject(1).getLong("bytes")).as("only the rest").isEqualTo(size - Math.max(0, bytesBeforeSilence));
      assertThat(Sha256.ofFile(downloading.resolve("notes.pdf"))).isEqualTo(sha256);
    }
  }

  @Test
  @DisplayName("When the only holder drops the connection half-way, it gets a second chance and the download resumes from it")
  void onlyHolderGetsASecondChance(@TempDir Path files, @TempDir Path downloading) throws Exception {
    long size = 2L << 20;
    String sha256 = TestFiles.random(files.resolve("thesis.pdf"), size, 13);
    try (DroppingSource dropping = new DroppingSource(files.resolve("thesis.pdf"), size / 2)) {
      String droppingId = network.tracker().post("/api/v1/peers", null, new JsonObject()
              .put("name", "dropping")
              .put("address", "http://127.0.0.1:" + dropping.port())
              .put("files", new JsonArray(List.of(TrackerApi.file(sha256, "thesis.pdf", size)))))
          .bodyAsJsonObject().getString("peerId");
      // The hang-up may reach a response held back for the disk only as silence: a short stall
      // timeout keeps both rounds well inside the fake holder's TTL (it never heartbeats).
      PeerNode downloader = network.peer("downloader", downloading, config -> config.withStallTimeout(Duration.ofSeconds(1)));

      JsonObject end = Downloading.awaitEnd(network, downloader, Downloading.start(network, downloader, sha256),
          Duration.ofSeconds(30));

      assertThat(end.getString("state")).as(end.encode()).isEqualTo("done");
      JsonArray sources = end.getJsonArray("sources");
      assertThat(sources.stream().map(source -> ((JsonObject) source).getString("peerId")))
          .containsExactly(droppingId, droppingId);
      assertThat(sources.getJsonObject(1).getLong("bytes")).as("only the rest").isEqualTo(size / 2);
      assertThat(Sha256.ofFile(downloading.resolve("thesis.pdf"))).isEqualTo(sha256);
    }
  }

  /**
   * A holder whose first answer breaks off: a 200 head for the whole file, the first
   * {@code bytesBeforeDrop} bytes, then the connection closes. Later requests get the rest as
   * HTTP asks for it, {@code Range: bytes=N-} answered 206.
   */
  private static final class DroppingSource implements AutoCloseable {

    private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());

    DroppingSource(Path file, long bytesBeforeDrop) throws IOException {
      byte[] content = Files.readAllBytes(file);
      Thread acceptor = new Thread(() -> {
        boolean first = true;
        try {
          while (true) {
            try (Socket socket = server.accept()) {
              answer(socket, content, first ? bytesBeforeDrop : -1);
              first = false;
            }
          }
        } catch (IOException e) {
          // closed at the end of the test
        }
      }, "dropping-source");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    /** Sends the whole file, or what the Range asks for; only {@code cutAt} bytes of it when not negative. */
    private static void answer(Socket socket, byte[] content, long cutAt) throws IOException {
      BufferedReader request = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
      long from = 0;
      for (String line = request.readLine(); line != null && !line.isEmpty(); line = request.readLine()) {
        if (line.toLowerCase(java.util.Locale.ROOT).startsWith("range: bytes=")) {
          from = Long.parseLong(line.substring("range: bytes=".length(), line.indexOf('-')));
        }
      }
      String head = from == 0
          ? "HTTP/1.1 200 OK\r\nContent-Length: " + content.length + "\r\n\r\n"
          : "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes " + from + "-" + (content.length - 1) + "/" + content.length
              + "\r\nContent-Length: " + (content.length - from) + "\r\n\r\n";
      OutputStream out = socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.ISO_8859_1));
      int end = cutAt < 0 ? content.length : (int) cutAt;
      out.write(content, (int) from, end - (int) from);
      out.flush();
    }

    int port() {
      return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }

  /**
   * A holder that reads a request and sends the first {@code bytesBeforeSilence} bytes of the file
   * after a 200 head (nothing at all when negative), then keeps the connection open in silence.
   */
  private static final class SilentSource implements AutoCloseable {

    private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final List<Socket> connections = new CopyOnWriteArrayList<>();

    SilentSource(Path file, long bytesBeforeSilence) throws IOException {
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            Socket socket = server.accept();
            connections.add(socket);
            if (bytesBeforeSilence >= 0) {
              answerPartly(socket, file, bytesBeforeSilence);
            }
          }
        } catch (IOException e) {
          // closed at the end of the test
        }
      }, "silent-source");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    private static void answerPartly(Socket socket, Path file, long bytes) throws IOException {
      BufferedReader request = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
      for (String line = request.readLine(); line != null && !line.isEmpty(); line = request.readLine()) {
        // the request head is read and ignored
      }
      OutputStream out = socket.getOutputStream();
      out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + Files.size(file) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      try (InputStream in = Files.newInputStream(file)) {
        out.write(in.readNBytes((int) bytes));
      }
      out.flush();
    }

    int port() {
      return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket socket : connections) {
        socket.close();
      }
    }
  }
}
