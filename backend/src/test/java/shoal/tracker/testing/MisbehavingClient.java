package shoal.tracker.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Clients that misbehave on purpose, over plain sockets to 127.0.0.1: they connect and dawdle. */
public final class MisbehavingClient {

  /** How a dripping client's connection ended: after how long, whether the server closed it, what it said. */
  public record Outcome(Duration took, boolean closedByServer, String received) {}

  private MisbehavingClient() {}

  /**
   * Sends {@code opening}, then one more byte ('a') a second, until the server closes the
   * connection or {@code limit} passes (then {@code closedByServer} is false).
   */
  public static Outcome drip(int port, String opening, Duration limit) throws IOException {
    return drip(port, opening, Duration.ofSeconds(1), limit);
  }

  /** As {@link #drip(int, String, Duration)}, one byte every {@code interval}. */
  public static Outcome drip(int port, String opening, Duration interval, Duration limit) throws IOException {
    long started = System.nanoTime();
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout((int) interval.toMillis());
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      out.write(opening.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      while (elapsed(started).compareTo(limit) < 0) {
        try {
          int read = in.read();
          if (read < 0) {
            return new Outcome(elapsed(started), true, text(received));
          }
          received.write(read);
          continue;
        } catch (SocketTimeoutException quiet) {
          // nothing from the server meanwhile: drip on
        } catch (IOException reset) {
          return new Outcome(elapsed(started), true, text(received));
        }
        try {
          out.write('a');
          out.flush();
        } catch (IOException closed) {
          return new Outcome(elapsed(started), true, text(received));
        }
      }
      return new Outcome(elapsed(started), false, text(received));
    }
  }

  /** Opens {@code count} connections that send nothing. */
  public static List<Socket> openSilent(int port, int count) throws IOException {
    List<Socket> sockets = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      sockets.add(new Socket("127.0.0.1", port));
    }
    return sockets;
  }

  /** Whether the server closes {@code socket} (or resets it) within {@code limit}, having sent nothing. */
  public static boolean closedWithin(Socket socket, Duration limit) throws IOException {
    socket.setSoTimeout((int) limit.toMillis());
    try {
      return socket.getInputStream().read() < 0;
    } catch (SocketTimeoutException stillOpen) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  public static void closeAll(List<Socket> sockets) {
    for (Socket socket : sockets) {
      try {
        socket.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }

  private static Duration elapsed(long started) {
    return Duration.ofNanos(System.nanoTime() - started);
  }

  private static String text(ByteArrayOutputStream received) {
    return received.toString(StandardCharsets.ISO_8859_1);
  }
}
