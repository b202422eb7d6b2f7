package shoal.peer.testing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import shoal.tracker.testing.TrackerApi;

/**
 * A files port that misbehaves as a test tells it: a plain socket server on 127.0.0.1 that reads
 * each request head and hands it to the test's {@link Answer}, each connection on a thread of its
 * own. Registered at the tracker through the REST API like any peer, and kept alive there by
 * heartbeats, so that it stays a holder however long the test runs.
 */
public final class FakeHolder implements AutoCloseable {

  /** What the fake sends back for one request. */
  @FunctionalInterface
  public interface Answer {
    void answer(Request request, OutputStream out) throws Exception;
  }

  /**
   * One request as received.
   *
   * @param target the request target, e.g. {@code /files/<sha256>}
   * @param rangeStart the first byte of {@code Range: bytes=N-} or {@code bytes=N-M}, 0 without one
   * @param rangeEnd the last byte asked for, inclusive ({@code M} of {@code bytes=N-M}); -1 without
   *     one, that is to the end of the file
   * @param ifRange the {@code If-Range} header as sent, e.g. {@code "<sha256>"} with its quotes; null without one
   */
  public record Request(String target, long rangeStart, long rangeEnd, String ifRange) {

    /** Whether it asked for a closed range {@code bytes=N-M}, as a downloader asks for one piece. */
    public boolean asksForRange() {
      return rangeEnd >= 0;
    }

    /** The last byte it asked for in a file of {@code size} bytes: {@link #rangeEnd}, or the file's last. */
    public long lastByte(long size) {
      return asksForRange() ? Math.min(rangeEnd, size - 1) : size - 1;
    }
  }

  private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
  private final Answer answer;
  private final List<Socket> connections = new CopyOnWriteArrayList<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private volatile Thread heartbeat;

  public FakeHolder(Answer answer) throws IOException {
    this.answer = answer;
    Thread acceptor = new Thread(this::accept, "fake-holder-" + server.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** {@code http://127.0.0.1:PORT}: what it registers as its address. */
  public String address() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  /** Every request received so far. */
  public List<Request> requests() {
    return List.copyOf(requests);
  }

  /**
   * Registers at {@code address} with {@code files} and heartbeats every second until closed;
   * answers the peer id.
   */
  public String register(TrackerApi tracker, String name, String address, JsonObject... files) {
    var response = tracker.post("/api/v1/peers", null, new JsonObject()
        .put("name", name).put("address", address).put("files", new JsonArray(List.of((Object[]) files))));
    if (response.statusCode() != 201) {
      throw new AssertionError("the fake holder was not registered: " + response.bodyAsString());
    }
    JsonObject registration = response.bodyAsJsonObject();
    String peerId = registration.getString("peerId");
    String token = registration.getString("token");
    Thread beating = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        try {
          Thread.sleep(1_000);
          tracker.post("/api/v1/peers/" + peerId + "/heartbeat", token, null);
        } catch (InterruptedException e) {
          return;
        } catch (RuntimeException e) {
          // the tracker is stopping with the test
        }
      }
    }, "fake-holder-heartbeat");
    beating.setDaemon(true);
    beating.start();
    heartbeat = beating;
    return peerId;
  }

  /** {@link #register} at its own address. */
  public String register(TrackerApi tracker, String name, JsonObject... files) {
    return register(tracker, name, address(), files);
  }

  private void accept() {
    try {
      while (true) {
        Socket socket = server.accept();
        connections.add(socket);
        Thread serving = new Thread(() -> serve(socket), "fake-holder-connection");
        serving.setDaemon(true);
        serving.start();
      }
    } catch (IOException e) {
      // closed at the end of the test
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      // A downloader that connects and sends nothing must not hold this thread past the test.
      socket.setSoTimeout(30_000);
      BufferedReader head = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
      String requestLine = head.readLine();
      if (requestLine == null) {
        return;
      }
      long rangeStart = 0;
      long rangeEnd = -1;
      String ifRange = null;
      for (String line = head.readLine(); line != null && !line.isEmpty(); line = head.readLine()) {
        String lower = line.toLowerCase(Locale.ROOT);
        if (lower.startsWith("range: bytes=")) {
          String spec = line.substring("range: bytes=".length()).trim();
          int dash = spec.indexOf('-');
          rangeStart = Long.parseLong(spec.substring(0, dash));
          rangeEnd = dash + 1 < spec.length() ? Long.parseLong(spec.substring(dash + 1)) : -1;
        } else if (lower.startsWith("if-range:")) {
          ifRange = line.substring("if-range:".length()).trim();
        }
      }
      Request request = new Request(requestLine.split(" ")[1], rangeStart, rangeEnd, ifRange);
      requests.add(request);
      OutputStream out = socket.getOutputStream();
      answer.answer(request, out);
      out.flush();
    } catch (Exception e) {
      // the downloader hung up, or the test ended
    }
  }

  /**
   * Writes a response head: {@code status} with each {@code "Name: value"} header, and
   * {@code Connection: close}, which is what the fake does after each answer: a client must not
   * send a second request on the connection.
   */
  public static void head(OutputStream out, String status, String... headers) throws IOException {
    StringBuilder text = new StringBuilder("HTTP/1.1 ").append(status).append("\r\n");
    for (String header : headers) {
      text.append(header).append("\r\n");
    }
    text.append("Connection: close\r\n");
    out.write(text.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
  }

  /**
   * Answers {@code request} as an honest files port would, from {@code content}: 200 with the whole
   * file, or 206 with the range asked for; the body is what {@code body} makes of the bytes due
   * (a rotten holder flips some, a dropping one sends half).
   */
  public static void answerRange(Request request, OutputStream out, byte[] content, Body body) throws IOException {
    long first = request.rangeStart();
    long last = request.lastByte(content.length);
    if (first == 0 && !request.asksForRange()) {
      head(out, "200 OK", "Content-Length: " + content.length);
    } else {
      head(out, "206 Partial Content", "Content-Length: " + (last + 1 - first),
          "Content-Range: bytes " + first + "-" + last + "/" + content.length);
    }
    body.write(out, first, last + 1);
  }

  /** Writes bytes {@code from} (inclusive) to {@code to} (exclusive) of a file, as the test wants. */
  @FunctionalInterface
  public interface Body {
    void write(OutputStream out, long from, long to) throws IOException;
  }

  @Override
  public void close() throws IOException {
    Thread beating = heartbeat;
    if (beating != null) {
      beating.interrupt();
    }
    server.close();
    for (Socket socket : connections) {
      socket.close();
    }
  }
}
