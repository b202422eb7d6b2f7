package shoal.peer.share;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The hash cache")
class HashCacheTest {

  private static final String OLD = "a".repeat(64);
  private static final String NEW = "b".repeat(64);
  private static final String OTHER = "c".repeat(64);

  @TempDir
  Path dir;

  @Test
  @DisplayName("keeps only what the last walk found: a file changed in place leaves no stale entry, a file gone none at all")
  void keepsOnlyTheFilesAsTheyAre() throws Exception {
    Path store = dir.resolve("hashes.tsv");
    Path report = dir.resolve("share/report.pdf");
    Path gone = dir.resolve("share/gone.bin");
    HashCache first = HashCache.load(store).with(List.of(
        new HashCache.Entry(report, 3, 1_000, OLD), new HashCache.Entry(gone, 5, 1_000, OTHER))).saved();

    // The report was rewritten in place (new size and time), the other file deleted.
    HashCache.Entry rewritten = new HashCache.Entry(report, 4, 2_000, NEW);
    first.exactly(List.of(rewritten)).saved();

    assertThat(Files.readAllLines(store)).containsExactly(NEW + "\t4\t2000\t" + report);
    HashCache reloaded = HashCache.load(store);
    assertThat(reloaded.get(report, 4, 2_000)).isEqualTo(NEW);
    assertThat(reloaded.get(report, 3, 1_000)).isNull();
    assertThat(reloaded.get(gone, 5, 1_000)).isNull();
  }

  @Test
  @DisplayName("a walk that finds the share as it was writes nothing")
  void anUnchangedShareIsNotWrittenAgain() throws Exception {
    Path store = dir.resolve("hashes.tsv");
    HashCache.Entry entry = new HashCache.Entry(dir.resolve("share/a.txt"), 3, 1_000, OLD);
    HashCache saved = HashCache.load(store).with(List.of(entry)).saved();
    Files.delete(store);

    assertThat(saved.exactly(List.of(entry)).saved()).isSameAs(saved);
    assertThat(store).doesNotExist();
  }
}
