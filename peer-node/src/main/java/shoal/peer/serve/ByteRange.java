package shoal.peer.serve;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code Range: bytes=…} of a file of known size: {@code a-b}, {@code a-} or {@code -n}.
 * Several ranges in one header are not served (a peer never asks for them).
 */
public record ByteRange(long start, long end) {

  private static final Pattern SINGLE = Pattern.compile("bytes=(\\d{0,19})-(\\d{0,19})");

  /** Thrown for a range that is malformed or lies outside the file: the answer is 416. */
  public static final class Unsatisfiable extends Exception {
    Unsatisfiable() {
      super(null, null, false, false);
    }
  }

  public long length() {
    return end - start + 1;
  }

  /** The range asked for, clipped to the file; empty when the header is absent. */
  public static Optional<ByteRange> parse(String header, long size) throws Unsatisfiable {
    if (header == null) {
      return Optional.empty();
    }
    Matcher m = SINGLE.matcher(header.trim());
    if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
      throw new Unsatisfiable();
    }
    try {
      if (m.group(1).isEmpty()) {
        long suffix = Long.parseLong(m.group(2));
        if (suffix == 0 || size == 0) {
          throw new Unsatisfiable();
        }
        return Optional.of(new ByteRange(Math.max(0, size - suffix), size - 1));
      }
      long start = Long.parseLong(m.group(1));
      long end = m.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(m.group(2)), size - 1);
      if (start >= size || end < start) {
        throw new Unsatisfiable();
      }
      return Optional.of(new ByteRange(start, end));
    } catch (NumberFormatException e) {
      throw new Unsatisfiable();
    }
  }
}
