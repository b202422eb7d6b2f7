package shoal.peer.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * HTTP/1.1 over a plain socket, so a test can send a request line exactly as written, with
 * {@code ..} and percent-encodings no client library would leave alone.
 */
public final class RawHttp {

  /** The status code, the header block and the body as received. */
  public record Reply(int status, String head, byte[] body) {
    public String bodyText() {
      return new String(body, StandardCharsets.ISO_8859_1);
    }
  }

  private static final java.time.Duration READ_LIMIT = java.time.Duration.ofSeconds(30);

  private RawHttp() {}

  private static boolean names(String[] headers, String name) {
    return Arrays.stream(headers).anyMatch(header -> header.regionMatches(true, 0, name, 0, name.length()));
  }

  /** Up to the end of the body its Content-Length announces, or else of the connection. */
  private static byte[] readReply(InputStream in) throws IOException {
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    byte[] chunk = new byte[8192];
    // Each read is bounded by the socket's timeout; this bounds a reply that keeps dripping, too.
    long deadline = System.nanoTime() + READ_LIMIT.toNanos();
    int read;
    while ((read = in.read(chunk)) >= 0) {
      if (System.nanoTime() > deadline) {
        throw new java.net.SocketTimeoutException("the reply took longer than " + READ_LIMIT.toSeconds() + " s");
      }
      received.write(chunk, 0, read);
      String text = received.toString(StandardCharsets.ISO_8859_1);
      int split = text.indexOf("\r\n\r\n");
      if (split >= 0) {
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?im)^content-length:\\s*(\\d+)")
            .matcher(text.substring(0, split));
        if (length.find() && received.size() >= split + 4 + Integer.parseInt(length.group(1))) {
          break;
        }
      }
    }
    return received.toByteArray();
  }

  public static Reply send(int port, String method, String target, String... headers) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      StringBuilder request = new StringBuilder(method + " " + target + " HTTP/1.1\r\n");
      // The Host a client names for this port, and a connection closed after the reply, unless the test says otherwise.
      if (!names(headers, "Host:")) {
        request.append("Host: 127.0.0.1:").append(port).append("\r\n");
      }
      if (!names(headers, "Connection:")) {
        request.append("Connection: close\r\n");
      }
      for (String header : headers) {
        request.append(header).append("\r\n");
      }
      OutputStream out = socket.getOutputStream();
      out.write(request.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      byte[] all = readReply(socket.getInputStream());
      String text = new String(all, StandardCharsets.ISO_8859_1);
      int split = text.indexOf("\r\n\r\n");
      String head = text.substring(0, split);
      int status = Integer.parseInt(head.substring(9, 12));
      return new Reply(status, head, Arrays.copyOfRange(all, split + 4, all.length));
    }
  }
}
