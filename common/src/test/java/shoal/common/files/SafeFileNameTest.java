package shoal.common.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("Names a holder suggests are made safe for disk")
class SafeFileNameTest {

  private static final String FALLBACK = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  @ParameterizedTest
  @ValueSource(strings = {"report.pdf", "Holiday Video.mp4", "año 2024 — notes.txt", "日本語のファイル.txt",
      "archive.tar.gz", "a", "CONSOLE.txt", "com10.log", "emoji 🎉.png", "semi;colon & co (1).txt"})
  @DisplayName("an ordinary name is kept exactly as it is, and nothing is said against it")
  void ordinaryNamesStay(String name) {
    assertThat(SafeFileName.sanitize(name, FALLBACK)).isEqualTo(name);
    assertThat(SafeFileName.problem(name)).isEmpty();
  }

  @Test
  @DisplayName("only the last path segment is kept, whichever slash the sender used")
  void pathSegmentsAreDropped() {
    assertThat(SafeFileName.sanitize("../../etc/passwd", FALLBACK)).isEqualTo("passwd");
    assertThat(SafeFileName.sanitize("..\\..\\Windows\\System32\\evil.dll", FALLBACK)).isEqualTo("evil.dll");
    assertThat(SafeFileName.sanitize("/absolute/path/", FALLBACK)).isEqualTo("path");
    assertThat(SafeFileName.sanitize("../..", FALLBACK)).isEqualTo(FALLBACK);
    assertThat(SafeFileName.problem("a/b.txt")).hasValueSatisfying(p -> assertThat(p).contains("it names a folder (contains '/')"));
    assertThat(SafeFileName.problem("a\\b.txt")).hasValueSatisfying(p -> assertThat(p).contains("contains '\\'"));
  }

  @Test
  @DisplayName("control characters, NUL included, are dropped")
  void controlCharactersAreDropped() {
    assertThat(SafeFileName.sanitize("bad\u0000name\u0007\u001b[31m\u007f\u0085.txt", FALLBACK)).isEqualTo("badname[31m.txt");
    assertThat(SafeFileName.problem("a\u0000b")).hasValue("it contains a control character (U+0000)");
    assertThat(SafeFileName.problem("line\nbreak")).hasValue("it contains a control character (U+000A)");
  }

  @Test
  @DisplayName("bidirectional overrides, marks and isolates are dropped, so the extension shown is the real one")
  void bidirectionalCharactersAreDropped() {
    for (int cp : new int[] {0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069}) {
      String name = "invoice" + Character.toString(cp) + "fdp.exe";
      assertThat(SafeFileName.sanitize(name, FALLBACK)).as("U+%04X", cp).isEqualTo("invoicefdp.exe");
      assertThat(SafeFileName.problem(name)).as("U+%04X", cp)
          .hasValue(String.format("it contains a bidirectional control character (U+%04X)", cp));
    }
  }

  @Test
  @DisplayName("zero-width characters and other invisible formatting are dropped, so two names cannot look alike")
  void zeroWidthCharactersAreDropped() {
    for (int cp : new int[] {0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF}) {
      String name = "pay" + Character.toString(cp) + "roll.xlsx";
      assertThat(SafeFileName.sanitize(name, FALLBACK)).as("U+%04X", cp).isEqualTo("payroll.xlsx");
      assertThat(SafeFileName.problem(name)).as("U+%04X", cp)
          .hasValue(String.format("it contains a zero-width character (U+%04X)", cp));
    }
    assertThat(SafeFileName.sanitize("soft\u00ADhyphen", FALLBACK)).isEqualTo("softhyphen");
    assertThat(SafeFileName.sanitize("two\u2028lines", FALLBACK)).isEqualTo("twolines");
    assertThat(SafeFileName.sanitize("broken\uD800pair", FALLBACK)).isEqualTo("brokenpair");
  }

  @Test
  @DisplayName("characters Windows refuses become underscores")
  void windowsCharactersAreReplaced() {
    assertThat(SafeFileName.sanitize("a<b>c:d\"e|f?g*h.txt", FALLBACK)).isEqualTo("a_b_c_d_e_f_g_h.txt");
    assertThat(SafeFileName.problem("what?.txt")).hasValue("it contains '?', which Windows does not allow in file names");
  }

  @Test
  @DisplayName("leading dots and spaces go (hidden files are not shared), and so do trailing dots and spaces")
  void dotsAndSpacesAtTheEndsGo() {
    assertThat(SafeFileName.sanitize(".bashrc", FALLBACK)).isEqualTo("bashrc");
    assertThat(SafeFileName.sanitize("...hidden.txt", FALLBACK)).isEqualTo("hidden.txt");
    assertThat(SafeFileName.sanitize("  padded.txt  ", FALLBACK)).isEqualTo("padded.txt");
    assertThat(SafeFileName.sanitize("notes.txt. . .", FALLBACK)).isEqualTo("notes.txt");
    assertThat(SafeFileName.sanitize(". .", FALLBACK)).isEqualTo(FALLBACK);
    assertThat(SafeFileName.problem(".env")).hasValueSatisfying(p -> assertThat(p).startsWith("it starts with a dot"));
    assertThat(SafeFileName.problem("name.")).hasValue("it ends with a dot or a space, which Windows drops");
  }

  @ParameterizedTest
  @ValueSource(strings = {"CON", "con", "CON.txt", "Prn.tar.gz", "aux", "NUL.", "nul .txt", "COM1", "com9.log",
      "LPT1", "lpt9.doc", "COM¹.txt"})
  @DisplayName("a Windows device name, with or without an extension, is prefixed with an underscore")
  void reservedNamesArePrefixed(String name) {
    String safe = SafeFileName.sanitize(name, FALLBACK);
    assertThat(safe).startsWith("_");
    assertThat(SafeFileName.sanitize(safe, FALLBACK)).isEqualTo(safe);
    assertThat(SafeFileName.problem(name)).hasValueSatisfying(p -> assertThat(p).contains("Windows reserves the name "));
  }

  @Test
  @DisplayName("the reserved-name sentence names the device")
  void reservedNameSentence() {
    assertThat(SafeFileName.sanitize("CON.txt", FALLBACK)).isEqualTo("_CON.txt");
    assertThat(SafeFileName.problem("con.txt")).hasValue("Windows reserves the name CON");
    assertThat(SafeFileName.problem("COM0.txt")).isEmpty();
  }

  @Test
  @DisplayName("a long name is cut to 255 bytes of UTF-8 at a character boundary, keeping its extension")
  void longNamesAreCut() {
    String longAscii = "a".repeat(300) + ".mkv";
    String cut = SafeFileName.sanitize(longAscii, FALLBACK);
    assertThat(cut).endsWith(".mkv").hasSize(255);

    String longWide = "日".repeat(200) + ".txt";
    String cutWide = SafeFileName.sanitize(longWide, FALLBACK);
    assertThat(bytes(cutWide)).isLessThanOrEqualTo(255).isGreaterThan(250);
    assertThat(cutWide).endsWith(".txt").matches("日+\\.txt");

    String emoji = "🎉".repeat(100);
    String cutEmoji = SafeFileName.sanitize(emoji, FALLBACK);
    assertThat(bytes(cutEmoji)).isEqualTo(252);
    assertThat(cutEmoji.codePoints().allMatch(cp -> cp == 0x1F389)).isTrue();

    String longExtension = "b".repeat(250) + "." + "x".repeat(40);
    assertThat(SafeFileName.sanitize(longExtension, FALLBACK)).hasSize(255).startsWith("bbb");
    assertThat(SafeFileName.problem(longAscii)).hasValue("it is longer than 255 bytes of UTF-8");
  }

  @Test
  @DisplayName("the issue's 300-character name with a right-to-left override is cut and cleaned, and both problems are told")
  void issueExample() {
    String name = "Quarterly report " + "x".repeat(275) + "\u202Efdp.exe";
    assertThat(name).hasSize(300);

    String safe = SafeFileName.sanitize(name, FALLBACK);

    assertThat(safe).doesNotContain("\u202E").endsWith("x.exe").startsWith("Quarterly report ");
    assertThat(bytes(safe)).isLessThanOrEqualTo(255);
    assertThat(SafeFileName.problem(safe)).isEmpty();
    assertThat(SafeFileName.problem(name)).hasValue(
        "it contains a bidirectional control character (U+202E); it is longer than 255 bytes of UTF-8");
  }

  @Test
  @DisplayName("a name with nothing usable left becomes the fallback; a missing one too")
  void emptyBecomesFallback() {
    assertThat(SafeFileName.sanitize("", FALLBACK)).isEqualTo(FALLBACK);
    assertThat(SafeFileName.sanitize(null, FALLBACK)).isEqualTo(FALLBACK);
    assertThat(SafeFileName.sanitize("\u202E\u200B", FALLBACK)).isEqualTo(FALLBACK);
    assertThat(SafeFileName.problem("")).hasValue("it is empty");
    assertThat(SafeFileName.problem("...")).isPresent();
  }

  @Test
  @DisplayName("for any name, a sentence is given exactly when sanitizing changes it, and sanitizing twice changes nothing more")
  void problemMatchesSanitize() {
    SplittableRandom random = new SplittableRandom(7);
    String alphabet = "aZ0 ._-/\\<>:\"|?*\u0000\u001f\u202e\u200b\ufeff\u00e9日🎉";
    int[] pool = alphabet.codePoints().toArray();
    for (int round = 0; round < 5_000; round++) {
      StringBuilder name = new StringBuilder();
      int length = random.nextInt(1, round % 50 == 0 ? 400 : 12);
      for (int i = 0; i < length; i++) {
        name.appendCodePoint(pool[random.nextInt(pool.length)]);
      }
      String candidate = (round % 7 == 0 ? "con" : "") + name;
      String safe = SafeFileName.sanitize(candidate, FALLBACK);
      assertThat(SafeFileName.problem(candidate).isEmpty()).as(candidate).isEqualTo(safe.equals(candidate));
      assertThat(SafeFileName.sanitize(safe, "other")).as(candidate).isEqualTo(safe);
      assertThat(SafeFileName.problem(safe)).as(candidate).isEmpty();
      assertThat(bytes(safe)).as(candidate).isLessThanOrEqualTo(255);
    }
  }

  private static int bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8).length;
  }
}
