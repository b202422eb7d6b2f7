package shoal.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;
import shoal.common.cli.DurationConverter;
import shoal.common.http.BearerToken;

@DisplayName("Formats the tracker and the peer share")
class SharedFormatsTest {

  @Test
  @DisplayName("durations are written 500ms, 10s, 2m or 1h; anything else is refused with a sentence")
  void durations() {
    assertThat(DurationConverter.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(DurationConverter.parse("10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(DurationConverter.parse(" 2m ")).isEqualTo(Duration.ofMinutes(2));
    assertThat(DurationConverter.parse("1h")).isEqualTo(Duration.ofHours(1));
    for (String bad : new String[] {"10", "ten s", "-5s", "5 s", "1d", ""}) {
      assertThatThrownBy(() -> DurationConverter.parse(bad))
          .isInstanceOf(TypeConversionException.class).hasMessageContaining("write it like 500ms, 10s or 2m");
    }
  }

  @Test
  @DisplayName("a bearer token is read case-insensitively from its scheme; other schemes and blanks are no token")
  void bearerTokens() {
    assertThat(BearerToken.from("Bearer abc")).isEqualTo("abc");
    assertThat(BearerToken.from("bearer  abc ")).isEqualTo("abc");
    assertThat(BearerToken.from("Basic abc")).isNull();
    assertThat(BearerToken.from("Bearer ")).isNull();
    assertThat(BearerToken.from("Bearer")).isNull();
    assertThat(BearerToken.from(null)).isNull();
  }
}
