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

  private RawHttp() {}

  public static Reply send(int port, String method, String target, String... headers) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      StringBuilder request = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n");
      for (String header : headers) {
        request.append(header).append("\r\n");
      }
      OutputStream out = socket.getOutputStream();
      out.write(request.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      InputStream in = socket.getInputStream();
      in.transferTo(received);
      byte[] all = received.toByteArray();
      String text = new String(all, StandardCharsets.ISO_8859_1);
      int split = text.indexOf("\r\n\r\n");
      String head = text.substring(0, split);
      int status = Integer.parseInt(head.substring(9, 12));
      return new Reply(status, head, Arrays.copyOfRange(all, split + 4, all.length));
    }
  }
}
