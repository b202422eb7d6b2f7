package shoal.peer.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Shows a download's progress: a bar redrawn in place on a terminal, or plain lines (at most one
 * a second) when the output is a file or a pipe, so logs stay readable.
 */
final class ProgressBar {

  private static final int WIDTH = 30;
  private static final long PLAIN_LINE_MILLIS = 1_000;

  private final PrintWriter out;
  private final boolean terminal;
  private final long startMillis = System.currentTimeMillis();
  private long lastPlainLine;
  private boolean drawn;

  ProgressBar(PrintWriter out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  void update(long bytes, long size) {
    long now = System.currentTimeMillis();
    double seconds = Math.max(0.001, (now - startMillis) / 1000.0);
    double rate = bytes / seconds;
    String eta = rate <= 0 || bytes >= size ? "0s" : duration((long) ((size - bytes) / rate));
    int percent = size == 0 ? 100 : (int) (bytes * 100 / size);
    if (terminal) {
      int filled = size == 0 ? WIDTH : (int) (bytes * WIDTH / size);
      out.printf(Locale.ROOT, "\r[%s%s] %3d%%  %s / %s  %s/s  ETA %s   ",
          "#".repeat(filled), ".".repeat(WIDTH - filled), percent, bytes(bytes), bytes(size), bytes((long) rate), eta);
      drawn = true;
    } else if (now - lastPlainLine >= PLAIN_LINE_MILLIS) {
      lastPlainLine = now;
      out.printf(Locale.ROOT, "%d%%  %s of %s  %s/s  ETA %s%n", percent, bytes(bytes), bytes(size), bytes((long) rate), eta);
    }
    out.flush();
  }

  /** Ends the bar's line so that what follows starts on a fresh one. */
  void finish() {
    if (terminal && drawn) {
      out.println();
      out.flush();
    }
  }

  static String bytes(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double value = bytes;
    int unit = -1;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
  }

  private static String duration(long seconds) {
    return seconds >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
        : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
  }
}
