package shoal.peer.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/** A process's standard output, line by line, read by a daemon thread: a test polls with a bound, and no read can hang it. */
public final class ProcessLines {

  private ProcessLines() {}

  public static BlockingQueue<String> of(Process process) {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          lines.add(line);
        }
      } catch (IOException e) {
        // the process went away; whoever waits for a line notices
      }
    }, "process-" + process.pid() + "-stdout");
    reader.setDaemon(true);
    reader.start();
    return lines;
  }
}
