package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import shoal.peer.testing.PeerNetwork;
import shoal.peer.testing.TestFiles;
import shoal.tracker.testing.TrackerApi;

/** Seed scenario 2: request a file that no one has, and do not wait forever. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
@DisplayName("Requesting a file that no one has")
class RequestFileNoOneHasTest {

  private static final String SORRY = "Sorry, the file you requested is not available. Please try again later.";

  @RegisterExtension
  final PeerNetwork network = PeerNetwork.perTest();

  @Test
  @DisplayName("POST /api/v1/downloads answers 404 not_available with the tracker's message in under a second, leaving nothing on disk")
  void controlApiAnswersAtOnce(@TempDir Path share) throws Exception {
    TestFiles.text(share.resolve("mine.txt"), "mine");
    PeerNode peer = network.peer("dave", share);
    TrackerApi control = network.control(peer);

    long started = System.nanoTime();
    HttpResponse<?> response = control.post("/api/v1/downloads", peer.controlToken(),
        new JsonObject().put("sha256", TrackerApi.sha("nobody has this")));
    long millis = (System.nanoTime() - started) / 1_000_000;

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.bodyAsJsonObject().getMap())
        .containsEntry("error", "not_available")
        .containsEntry("message", SORRY);
    assertThat(millis).isLessThan(1_000);
    assertThat(filesUnder(share)).as("no partial download").containsExactly(share.resolve("mine.txt"));
  }

  @Test
  @DisplayName("./shoal get exits 2 with the tracker's message within a second of asking for the file, and writes nothing")
  void getCommandAnswersAtOnce(@TempDir Path out) throws Exception {
    try (TrackerRelay relay = new TrackerRelay(URI.create(network.trackerUrl()).getPort())) {
      TimedWriter stderr = new TimedWriter(SORRY);
      CommandLine cli = new CommandLine(new Main()).setOut(new PrintWriter(new StringWriter())).setErr(new PrintWriter(stderr));

      int exit = cli.execute("get", "--tracker", relay.url(), "--out", out.toString(),
          TrackerApi.sha("nobody has this either"));

      assertThat(exit).isEqualTo(2);
      assertThat(stderr.toString()).contains(SORRY);
      // Only the answer is timed: from get's request for a source to the sentence on stderr. Starting
      // Vert.x, registering and leaving are not what "at once" is about.
      assertThat(relay.askedForTransfer()).as("get asked the tracker for a source").isPositive();
      assertThat(Duration.ofNanos(stderr.writtenAt() - relay.askedForTransfer())).isLessThan(Duration.ofSeconds(1));
    }
    assertThat(filesUnder(out)).isEmpty();
    assertThat(network.tracker().get("/api/v1/peers").bodyAsJsonArray()).as("the get peer has left").isEmpty();
  }

  /** A writer that notes the moment {@code awaited} first appears in what was written. */
  private static final class TimedWriter extends StringWriter {
    private final String awaited;
    private volatile long writtenAt;

    TimedWriter(String awaited) {
      this.awaited = awaited;
    }

    @Override
    public void write(String text, int off, int len) {
      super.write(text, off, len);
      noteIfComplete();
    }

    @Override
    public void write(char[] chars, int off, int len) {
      super.write(chars, off, len);
      noteIfComplete();
    }

    @Override
    public void write(int c) {
      super.write(c);
      noteIfComplete();
    }

    private void noteIfComplete() {
      if (writtenAt == 0 && toString().contains(awaited)) {
        writtenAt = System.nanoTime();
      }
    }

    long writtenAt() {
      assertThat(writtenAt).as("the sentence was written").isPositive();
      return writtenAt;
    }
  }

  /**
   * A byte-for-byte TCP relay in front of the tracker that notes when a {@code POST /api/v1/transfers}
   * first passes through it: the moment {@code get} asks for a source.
   */
  private static final class TrackerRelay implements AutoCloseable {
    private static final byte[] TRANSFER_REQUEST = "POST /api/v1/transfers ".getBytes(StandardCharsets.ISO_8859_1);
    private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final int trackerPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicLong askedForTransfer = new AtomicLong();

    TrackerRelay(int trackerPort) throws IOException {
      this.trackerPort = trackerPort;
      daemon(this::accept);
    }

    String url() {
      return "http://127.0.0.1:" + server.getLocalPort();
    }

    long askedForTransfer() {
      return askedForTransfer.get();
    }

    private void accept() {
      try {
        while (true) {
          Socket client = server.accept();
          Socket tracker = new Socket(InetAddress.getLoopbackAddress(), trackerPort);
          sockets.add(client);
          sockets.add(tracker);
          daemon(() -> pump(client, tracker, true));
          daemon(() -> pump(tracker, client, false));
        }
      } catch (IOException e) {
        // closed at the end of the test
      }
    }

    private void pump(Socket from, Socket to, boolean towardsTracker) {
      byte[] buffer = new byte[16 * 1024];
      try (from; to) {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
          if (towardsTracker && askedForTransfer.get() == 0 && contains(buffer, read, TRANSFER_REQUEST)) {
            askedForTransfer.compareAndSet(0, System.nanoTime());
          }
          out.write(buffer, 0, read);
          out.flush();
        }
      } catch (IOException e) {
        // one side hung up
      }
    }

    private static boolean contains(byte[] buffer, int length, byte[] wanted) {
      outer:
      for (int i = 0; i + wanted.length <= length; i++) {
        for (int j = 0; j < wanted.length; j++) {
          if (buffer[i + j] != wanted[j]) {
            continue outer;
          }
        }
        return true;
      }
      return false;
    }

    private static void daemon(Runnable task) {
      Thread thread = new Thread(task, "tracker-relay");
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket socket : sockets) {
        socket.close();
      }
    }
  }

  /** Regular files, leaving out the node's own hash cache. */
  private static List<Path> filesUnder(Path dir) throws Exception {
    try (Stream<Path> all = Files.walk(dir)) {
      return all.filter(Files::isRegularFile).filter(path -> !path.endsWith(".shoal/hashes.tsv")).toList();
    }
  }
}
