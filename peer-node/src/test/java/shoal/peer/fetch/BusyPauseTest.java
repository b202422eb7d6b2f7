package shoal.peer.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The pause a busy holder asks for")
class BusyPauseTest {

  @Test
  @DisplayName("is its Retry-After in seconds, kept between half a second and 30 s, or 2 s when it says nothing readable")
  void followsRetryAfterWithinBounds() {
    assertThat(SourceChoice.busyPauseMillis("5")).isEqualTo(5_000);
    assertThat(SourceChoice.busyPauseMillis(" 1 ")).isEqualTo(1_000);
    // A holder cannot have itself asked again at once, nor park a download for an hour.
    assertThat(SourceChoice.busyPauseMillis("0")).isEqualTo(500);
    assertThat(SourceChoice.busyPauseMillis("-3")).isEqualTo(500);
    assertThat(SourceChoice.busyPauseMillis("3600")).isEqualTo(30_000);
    assertThat(SourceChoice.busyPauseMillis("99999999999999999")).isEqualTo(30_000);
    // Missing, an HTTP date (which Shoal's files port never sends), or junk: the default.
    assertThat(SourceChoice.busyPauseMillis(null)).isEqualTo(2_000);
    assertThat(SourceChoice.busyPauseMillis("Wed, 21 Oct 2026 07:28:00 GMT")).isEqualTo(2_000);
    assertThat(SourceChoice.busyPauseMillis("soon")).isEqualTo(2_000);
  }
}
