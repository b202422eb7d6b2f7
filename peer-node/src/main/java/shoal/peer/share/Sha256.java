package shoal.peer.share;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** SHA-256 as Shoal uses it: 64 lowercase hex characters identify a file everywhere. */
public final class Sha256 {

  private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");
  private static final int CHUNK = 1 << 20;

  private Sha256() {}

  public static boolean isValid(String text) {
    return text != null && HEX.matcher(text).matches();
  }

  public static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  /** A copy of {@code digest} as it stands, to go on from later while the original goes on now. */
  public static MessageDigest copy(MessageDigest digest) {
    try {
      return (MessageDigest) digest.clone();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("the JDK's SHA-256 can be cloned", e);
    }
  }

  public static String hex(MessageDigest digest) {
    return HexFormat.of().formatHex(digest.digest());
  }

  /** Feeds the first {@code length} bytes of {@code file} to {@code digest}. Blocking. */
  public static void update(MessageDigest digest, Path file, long length) throws IOException {
    byte[] chunk = new byte[CHUNK];
    try (InputStream in = Files.newInputStream(file)) {
      long left = length;
      while (left > 0) {
        int read = in.read(chunk, 0, (int) Math.min(chunk.length, left));
        if (read < 0) {
          throw new IOException(file + " is shorter than " + length + " bytes");
        }
        digest.update(chunk, 0, read);
        left -= read;
      }
    }
  }

  /**
   * Feeds bytes {@code from} (inclusive) to {@code to} (exclusive) of {@code channel} to
   * {@code digest}, read with positional reads through {@code buffer} (so that other threads may
   * use the channel meanwhile); answers where the reading stopped: {@code to}, or the channel's
   * end when it is shorter. Blocking.
   */
  public static long update(MessageDigest digest, FileChannel channel, long from, long to, ByteBuffer buffer)
      throws IOException {
    long position = from;
    while (position < to) {
      buffer.clear().limit((int) Math.min(buffer.capacity(), to - position));
      int read = channel.read(buffer, position);
      if (read < 0) {
        break;
      }
      buffer.flip();
      digest.update(buffer);
      position += read;
    }
    return position;
  }

  /** The hash of a whole file, read in 1 MiB chunks. Blocking. */
  public static String ofFile(Path file) throws IOException {
    MessageDigest digest = newDigest();
    byte[] chunk = new byte[CHUNK];
    try (InputStream in = Files.newInputStream(file)) {
      int read;
      while ((read = in.read(chunk)) >= 0) {
        digest.update(chunk, 0, read);
      }
    }
    return hex(digest);
  }
}
