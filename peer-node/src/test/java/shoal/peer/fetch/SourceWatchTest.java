package shoal.peer.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
@DisplayName("Judging a source's pace")
class SourceWatchTest {

  private static final long TICK = Duration.ofMillis(250).toNanos();
  /** Silent 5 s is a stall; below 4 KiB/s over 20 s is too slow. */
  private static final SourcePatience PATIENCE = new SourcePatience(Duration.ofSeconds(5), 4096, Duration.ofSeconds(20));

  @Test
  @DisplayName("A steady source well above the floor stays fine")
  void steadySourceIsFine() {
    SourceWatch watch = new SourceWatch(PATIENCE, 0);
    for (int tick = 1; tick <= 400; tick++) {
      assertThat(watch.observe(tick * TICK, tick * 64L * 1024, false)).isEqualTo(SourceWatch.Verdict.FINE);
    }
  }

  @Test
  @DisplayName("A drip of one byte every two seconds is too slow once --speed-time has passed, never before")
  void dripIsTooSlowAfterTheWindow() {
    SourceWatch watch = new SourceWatch(PATIENCE, 0);
    SourceWatch.Verdict verdict = SourceWatch.Verdict.FINE;
    int tick = 0;
    while (verdict == SourceWatch.Verdict.FINE && tick < 1000) {
      tick++;
      verdict = watch.observe(tick * TICK, tick / 8, false);
    }
    assertThat(verdict).isEqualTo(SourceWatch.Verdict.TOO_SLOW);
    assertThat(Duration.ofNanos(tick * TICK)).isEqualTo(Duration.ofSeconds(20));
  }

  @Test
  @DisplayName("A source that was fast and then crawls is judged on the last --speed-time only")
  void judgesTheRecentWindow() {
    SourceWatch watch = new SourceWatch(PATIENCE, 0);
    long bytes = 0;
    for (int tick = 1; tick <= 80; tick++) {
      bytes += 1 << 20;
      assertThat(watch.observe(tick * TICK, bytes, false)).isEqualTo(SourceWatch.Verdict.FINE);
    }
    SourceWatch.Verdict verdict = SourceWatch.Verdict.FINE;
    int tick = 80;
    while (verdict == SourceWatch.Verdict.FINE && tick < 1000) {
      tick++;
      bytes += 100;
      verdict = watch.observe(tick * TICK, bytes, false);
    }
    assertThat(verdict).isEqualTo(SourceWatch.Verdict.TOO_SLOW);
    assertThat(Duration.ofNanos((tick - 80) * TICK)).isBetween(Duration.ofSeconds(19), Duration.ofSeconds(21));
  }

  @Test
  @DisplayName("Silence for the stall timeout is a stall")
  void silenceIsAStall() {
    SourceWatch watch = new SourceWatch(PATIENCE, 0);
    assertThat(watch.observe(TICK, 1000, false)).isEqualTo(SourceWatch.Verdict.FINE);
    SourceWatch.Verdict verdict = SourceWatch.Verdict.FINE;
    int tick = 1;
    while (verdict == SourceWatch.Verdict.FINE) {
      tick++;
      verdict = watch.observe(tick * TICK, 1000, false);
    }
    assertThat(verdict).isEqualTo(SourceWatch.Verdict.STALLED);
    assertThat(Duration.ofNanos((tick - 1) * TICK)).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  @DisplayName("Time spent waiting for this side's own disk never counts against the source")
  void waitingForTheDiskDoesNotCount() {
    SourceWatch watch = new SourceWatch(PATIENCE, 0);
    for (int tick = 1; tick <= 4 * 60 * 5; tick++) {
      assertThat(watch.observe(tick * TICK, 10, true)).isEqualTo(SourceWatch.Verdict.FINE);
    }
  }
}
