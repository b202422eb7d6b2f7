package shoal.tracker.readmodel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import shoal.tracker.registry.FileSummary;

/**
 * 100 000 files named as the benchmark names them ({@code track-000000.flac} …), every seventh
 * held by an expired peer only: the trigram index answers exactly what a scan answers. It prints
 * the index's heap cost per file and the time per search, and asserts neither.
 */
@DisplayName("Searches over 100 000 files answer exactly what a full scan answers")
class NameSearchAtScaleTest {

  private static final int FILES = 100_000;
  private static final PeerCell LIVE = peer(TimeUnit.HOURS.toNanos(1));
  private static final PeerCell EXPIRED = peer(-1);

  private static final RegistryIndex index = new RegistryIndex();
  private static final List<FileView> views = new ArrayList<>();

  @BeforeAll
  static void build() {
    for (int i = 0; i < FILES; i++) {
      String name = String.format("track-%06d.flac", i);
      PeerCell holder = i % 7 == 0 ? EXPIRED : LIVE;
      views.add(new FileView(String.format("%064x", (long) i * 7919 % FILES), name, name, 1,
          new PeerCell[] {holder}, new long[] {1}));
    }
    long before = usedHeap();
    TrigramIndex names = new TrigramIndex();
    views.forEach(file -> names.add(file.sha256(), file.lowerName()));
    long after = usedHeap();
    System.out.printf("trigram index: %d trigrams, about %d bytes per file%n", names.size(), (after - before) / FILES);
    views.forEach(file -> index.putFile(null, file));
  }

  @Test
  @DisplayName("a track-NNNN search finds its 100 files, paged as a scan pages them")
  void benchmarkQueries() {
    Random random = new Random(42);
    for (int q = 0; q < 50; q++) {
      String needle = String.format("track-%04d", random.nextInt(1000));
      assertThat(index.search(needle, 1000, 0)).hasSize(100 - expiredAmong(needle));
      assertSameAsScan(needle, 1000, 0);
      assertSameAsScan(needle, 10, 20);
    }
    long started = System.nanoTime();
    for (int q = 0; q < 1000; q++) {
      index.search(String.format("track-%04d", q), 100, 0);
    }
    System.out.printf("track-NNNN search: %d µs each%n", (System.nanoTime() - started) / 1000 / 1000);
  }

  @Test
  @DisplayName("short, common, mixed-case, absent and partial needles answer as a scan does")
  void otherNeedles() {
    for (String needle : List.of("", "4", "42", "flac", "FLAC", ".FL", "TRACK-00421", "-0099", "9.fl", "99999",
        "track-1", "track-099999.flac", "track-099999.flacc", "k-00", "c.", "zzz")) {
      assertSameAsScan(needle, 50, 0);
      assertSameAsScan(needle, 50, 1000);
    }
  }

  private static void assertSameAsScan(String text, int limit, int offset) {
    String needle = text.toLowerCase(Locale.ROOT);
    long now = System.nanoTime();
    List<String> expected = views.stream()
        .filter(file -> file.lowerName().contains(needle) && file.liveHolders(now) > 0)
        .sorted(Comparator.comparing(FileView::name).thenComparing(FileView::sha256))
        .skip(offset).limit(limit)
        .map(FileView::sha256)
        .toList();
    assertThat(index.search(text, limit, offset)).extracting(FileSummary::sha256).as(text).isEqualTo(expected);
  }

  private static int expiredAmong(String prefix) {
    int number = Integer.parseInt(prefix.substring("track-".length())) * 100;
    int expired = 0;
    for (int i = number; i < number + 100; i++) {
      expired += i % 7 == 0 ? 1 : 0;
    }
    return expired;
  }

  private static long usedHeap() {
    Runtime runtime = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return runtime.totalMemory() - runtime.freeMemory();
  }

  private static PeerCell peer(long nanosLeft) {
    return new PeerCell(UUID.randomUUID(), "peer", "http://peer", ByteBuffer.allocate(32),
        new PeerCell.Liveness(false, System.nanoTime() + nanosLeft, 0));
  }
}
