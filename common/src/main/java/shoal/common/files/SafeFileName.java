package shoal.common.files;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Names a holder suggests for a file, made safe to save on any disk a peer may run on. A name
 * comes from another machine, so it may try to climb out of the download folder ({@code ../}),
 * hide its real extension behind a right-to-left override ({@code invoice\u202Efdp.exe} shows as
 * {@code invoiceexe.pdf}), carry invisible or control characters that make two names look alike
 * or garble a terminal, or be a name Windows cannot create ({@code CON}, {@code a?b}, a trailing
 * dot). {@link #sanitize} repairs such a name; {@link #problem} says what is wrong with it, and is
 * empty exactly when {@code sanitize} would leave the name as it is.
 */
public final class SafeFileName {

  /** The most Linux, macOS and Windows file systems take in one name. */
  public static final int MAX_BYTES = 255;

  /** Extensions up to this many characters survive a cut, so a long name keeps its type. */
  private static final int MAX_KEPT_EXTENSION = 16;

  private static final String WINDOWS_REFUSED = "<>:\"|?*";

  /**
   * Device names Windows opens instead of a file, whatever the extension. The superscript digits
   * count too: Windows treats {@code COM¹} as {@code COM1}.
   */
  private static final Set<String> RESERVED = reservedNames();

  private SafeFileName() {}

  /**
   * The name made safe: its last path segment, without control, formatting (bidirectional,
   * zero-width), line-separator or unpaired surrogate characters, with {@code <>:"|?*} replaced
   * by {@code _}, without leading dots and spaces (hidden files are not shared) or trailing dots
   * and spaces (Windows drops them), a Windows device name prefixed with {@code _}, and cut to
   * {@value #MAX_BYTES} bytes of UTF-8 at a code point boundary, keeping a short extension.
   *
   * @param fallback returned when nothing usable is left (a name of only dots, say); it is the
   *     caller's to make safe, typically the file's SHA-256
   */
  public static String sanitize(String suggested, String fallback) {
    if (suggested == null) {
      return fallback;
    }
    // Each pass only removes characters, or prefixes a device name once (after which it no
    // longer is one), so the loop ends; passes repeat because a cut can expose a trailing space.
    String name = suggested;
    String previous;
    do {
      previous = name;
      name = pass(name);
    } while (!name.equals(previous));
    return name.isEmpty() ? fallback : name;
  }

  /**
   * What is wrong with {@code name} as a file name, as a clause that can follow "the name …"
   * ("it contains a bidirectional control character (U+202E)"); several problems are joined with
   * "; ". Empty exactly when {@link #sanitize} would return {@code name} unchanged.
   */
  public static Optional<String> problem(String name) {
    if (name == null || name.isEmpty()) {
      return Optional.of("it is empty");
    }
    if (sanitize(name, "").equals(name)) {
      return Optional.empty();
    }
    List<String> problems = new ArrayList<>();
    for (char separator : new char[] {'/', '\\'}) {
      if (name.indexOf(separator) >= 0) {
        problems.add("it names a folder (contains '" + separator + "')");
      }
    }
    name.codePoints().filter(SafeFileName::isDropped).findFirst()
        .ifPresent(cp -> problems.add("it contains " + describeDropped(cp) + " (" + codePoint(cp) + ")"));
    name.chars().filter(c -> WINDOWS_REFUSED.indexOf(c) >= 0).findFirst()
        .ifPresent(c -> problems.add("it contains '" + (char) c + "', which Windows does not allow in file names"));
    String segment = lastSegment(name);
    if (segment.startsWith(".")) {
      problems.add("it starts with a dot, which hides it (hidden files are not shared)");
    } else if (!segment.isEmpty() && Character.isWhitespace(segment.charAt(0))) {
      problems.add("it starts with a space");
    }
    if (segment.endsWith(".") || segment.endsWith(" ")) {
      problems.add("it ends with a dot or a space, which Windows drops");
    }
    if (segment.isBlank() || segment.chars().allMatch(c -> c == '.' || Character.isWhitespace(c))) {
      problems.add("it has no characters left once dots and spaces are removed");
    }
    String reserved = reservedDevice(segment);
    if (reserved != null) {
      problems.add("Windows reserves the name " + reserved);
    }
    if (name.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      problems.add("it is longer than " + MAX_BYTES + " bytes of UTF-8");
    }
    if (problems.isEmpty()) {
      problems.add("it is not a name every file system accepts");
    }
    return Optional.of(String.join("; ", problems));
  }

  private static String pass(String suggested) {
    StringBuilder kept = new StringBuilder(suggested.length());
    lastSegment(suggested).codePoints().filter(cp -> !isDropped(cp))
        .forEach(cp -> kept.appendCodePoint(WINDOWS_REFUSED.indexOf(cp) >= 0 ? '_' : cp));
    String name = cut(trimEnds(kept.toString()));
    return reservedDevice(name) == null ? name : "_" + name;
  }

  /** The last non-empty segment between {@code /} and {@code \}. */
  private static String lastSegment(String name) {
    String[] segments = name.split("[/\\\\]");
    for (int i = segments.length - 1; i >= 0; i--) {
      if (!segments[i].isEmpty()) {
        return segments[i];
      }
    }
    return "";
  }

  /** Leading dots and whitespace, trailing dots and whitespace. */
  private static String trimEnds(String name) {
    int start = 0;
    int end = name.length();
    while (start < end && (name.charAt(start) == '.' || Character.isWhitespace(name.charAt(start)))) {
      start++;
    }
    while (end > start && (name.charAt(end - 1) == '.' || Character.isWhitespace(name.charAt(end - 1)))) {
      end--;
    }
    return name.substring(start, end);
  }

  /** At most {@value #MAX_BYTES} bytes of UTF-8, keeping a short extension whole. */
  private static String cut(String name) {
    if (utf8Length(name) <= MAX_BYTES) {
      return name;
    }
    int dot = name.lastIndexOf('.');
    String extension = dot > 0 && name.length() - dot - 1 <= MAX_KEPT_EXTENSION ? name.substring(dot) : "";
    String stem = name.substring(0, name.length() - extension.length());
    return trimEnds(prefixOfBytes(stem, MAX_BYTES - utf8Length(extension)) + extension);
  }

  /** The longest prefix of whole code points that fits in {@code budget} bytes of UTF-8. */
  private static String prefixOfBytes(String text, int budget) {
    int used = 0;
    int end = 0;
    while (end < text.length()) {
      int cp = text.codePointAt(end);
      int bytes = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      if (used + bytes > budget) {
        break;
      }
      used += bytes;
      end += Character.charCount(cp);
    }
    return text.substring(0, end);
  }

  private static int utf8Length(String text) {
    return text.getBytes(StandardCharsets.UTF_8).length;
  }

  /**
   * Control characters (C0, DEL, C1), every format character (bidirectional marks, overrides and
   * isolates, zero-width joiners and spaces, the byte-order mark), line and paragraph separators
   * (they break a name across lines in logs), and surrogates that are not part of a pair (they
   * have no UTF-8 form at all).
   */
  private static boolean isDropped(int cp) {
    int type = Character.getType(cp);
    return type == Character.CONTROL || type == Character.FORMAT || type == Character.SURROGATE
        || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
  }

  private static String describeDropped(int cp) {
    int type = Character.getType(cp);
    if (type == Character.CONTROL) {
      return "a control character";
    }
    if (type == Character.SURROGATE) {
      return "half of a UTF-16 surrogate pair";
    }
    if (type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR) {
      return "a line break";
    }
    if (cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) {
      return "a bidirectional control character";
    }
    if ((cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || cp == 0xFEFF) {
      return "a zero-width character";
    }
    return "an invisible formatting character";
  }

  /** The device name {@code name} would open on Windows, upper-cased; null when none. */
  private static String reservedDevice(String name) {
    int dot = name.indexOf('.');
    // Windows ignores what follows the first dot, and spaces before it: "con .txt" is CON too.
    String base = (dot < 0 ? name : name.substring(0, dot)).stripTrailing().toUpperCase(Locale.ROOT);
    return RESERVED.contains(base) ? base : null;
  }

  private static Set<String> reservedNames() {
    List<String> names = new ArrayList<>(List.of("CON", "PRN", "AUX", "NUL"));
    for (String digit : List.of("1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³")) {
      names.add("COM" + digit);
      names.add("LPT" + digit);
    }
    return Set.copyOf(names);
  }

  private static String codePoint(int cp) {
    return String.format(Locale.ROOT, "U+%04X", cp);
  }
}
