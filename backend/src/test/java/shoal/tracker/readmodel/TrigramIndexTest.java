package shoal.tracker.readmodel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import shoal.tracker.registry.FileSummary;

/** The trigram index behind searches, alone and through the registry index that keeps it. */
@DisplayName("A name search finds exactly the files a full scan finds, through files coming, going and renamed")
class TrigramIndexTest {

  private static final PeerCell LIVE = peer(TimeUnit.HOURS.toNanos(1));
  private static final PeerCell EXPIRED = peer(-1);

  private final RegistryIndex index = new RegistryIndex();

  @Test
  @DisplayName("a new file is found by any part of its name, in any case, and no longer once it leaves")
  void addAndRemove() {
    FileView holiday = put(null, "a1", "Holiday Photos.zip", LIVE);
    put(null, "a2", "work report.pdf", LIVE);

    assertThat(names("HOLIDAY")).containsExactly("Holiday Photos.zip");
    assertThat(names("day pho")).containsExactly("Holiday Photos.zip");
    assertThat(names("ort.pd")).containsExactly("work report.pdf");
    assertThat(names("holidays")).isEmpty();

    index.removeFile(holiday);
    assertThat(names("holiday")).isEmpty();
    assertThat(index.names.candidates("holiday")).isEmpty();
    assertThat(names("report")).containsExactly("work report.pdf");
  }

  @Test
  @DisplayName("a renamed file is found by its new name only, and trigrams nobody uses any more are dropped")
  void rename() {
    FileView before = put(null, "b1", "draft-v1.txt", LIVE);
    int trigramsBefore = index.names.size();
    put(before, "b1", "final-v2.txt", LIVE);

    assertThat(names("draft")).isEmpty();
    assertThat(names("final")).containsExactly("final-v2.txt");
    assertThat(names(".txt")).containsExactly("final-v2.txt");
    assertThat(index.names.size()).isEqualTo(TrigramIndex.trigrams("final-v2.txt").length);
    assertThat(trigramsBefore).isEqualTo(TrigramIndex.trigrams("draft-v1.txt").length);
  }

  @Test
  @DisplayName("a change of holders keeps the file findable, and a file without a live holder is never offered")
  void holdersChange() {
    FileView first = put(null, "c1", "shared song.mp3", LIVE);
    FileView expired = put(first, "c1", "shared song.mp3", EXPIRED);
    assertThat(names("song")).isEmpty();
    put(expired, "c1", "shared song.mp3", LIVE);
    assertThat(names("song")).containsExactly("shared song.mp3");
  }

  @Test
  @DisplayName("needles of one or two characters, and the empty one, scan every file")
  void shortNeedles() {
    put(null, "d1", "ab.txt", LIVE);
    put(null, "d2", "xAy", LIVE);
    put(null, "d3", "zz", LIVE);

    assertThat(index.names.candidates("ab")).isNull();
    assertThat(names("")).containsExactly("ab.txt", "xAy", "zz");
    assertThat(names("a")).containsExactly("ab.txt", "xAy");
    assertThat(names("AB")).containsExactly("ab.txt");
    assertThat(names("zz")).containsExactly("zz");
    assertThat(names("zzz")).isEmpty();
  }

  @Test
  @DisplayName("names in other scripts and with characters beyond the BMP match as String.contains does")
  void unicode() {
    put(null, "e1", "Ωμέγα Λίστα.txt", LIVE);
    put(null, "e2", "Straße 🎵 Musik.flac", LIVE);
    put(null, "e3", "日本語のファイル.pdf", LIVE);

    assertThat(names("ΩΜΈΓΑ")).containsExactly("Ωμέγα Λίστα.txt");
    assertThat(names("λίστα")).containsExactly("Ωμέγα Λίστα.txt");
    assertThat(names("STRASSE")).as("the needle is lowered, not folded: ß stays ß").isEmpty();
    assertThat(names("STRAßE")).containsExactly("Straße 🎵 Musik.flac");
    assertThat(names("🎵 m")).containsExactly("Straße 🎵 Musik.flac");
    assertThat(names("🎵")).as("one code point, two chars: a scan").containsExactly("Straße 🎵 Musik.flac");
    assertThat(names("語のフ")).containsExactly("日本語のファイル.pdf");
    assertThat(names("本語")).containsExactly("日本語のファイル.pdf");
  }

  @Test
  @DisplayName("pages are ordered by name then hash, as before")
  void paging() {
    put(null, "f3", "page_b", LIVE);
    put(null, "f2", "page_a", LIVE);
    put(null, "f1", "page_a", LIVE);
    put(null, "f4", "Page_c", LIVE);

    assertThat(index.search("page_", 2, 0)).extracting(FileSummary::sha256).containsExactly("f4", "f1");
    assertThat(index.search("page_", 2, 2)).extracting(FileSummary::sha256).containsExactly("f2", "f3");
    assertThat(index.search("page_", 10, 5)).isEmpty();
  }

  @Test
  @DisplayName("each distinct trigram of a name is posted once, repeats included")
  void distinctTrigrams() {
    assertThat(TrigramIndex.trigrams("aaaaa")).hasSize(1);
    assertThat(TrigramIndex.trigrams("abcabc")).hasSize(3);
    assertThat(TrigramIndex.trigrams("ab")).isEmpty();
  }

  private FileView put(FileView old, String sha256, String name, PeerCell holder) {
    FileView file = new FileView(sha256, name, name.toLowerCase(Locale.ROOT), 1, new PeerCell[] {holder}, new long[] {1});
    index.putFile(old, file);
    return file;
  }

  private List<String> names(String text) {
    return index.search(text, 100, 0).stream().map(FileSummary::name).toList();
  }

  private static PeerCell peer(long nanosLeft) {
    return new PeerCell(UUID.randomUUID(), "peer", "http://peer", ByteBuffer.allocate(32),
        new PeerCell.Liveness(false, System.nanoTime() + nanosLeft, 0));
  }
}
