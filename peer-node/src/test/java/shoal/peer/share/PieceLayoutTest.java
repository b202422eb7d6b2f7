package shoal.peer.share;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("Every peer cuts a file of a given size into the same pieces")
class PieceLayoutTest {

  private static final long MIB = 1L << 20;
  private static final long GIB = 1L << 30;
  private static final long LARGEST = (1L << 53) - 1;

  @ParameterizedTest(name = "{0} bytes: {2} pieces of {1}, the last of {3}")
  @CsvSource({
      "0,                4194304,  0,         0",
      "1,                4194304,  1,         1",
      "4194303,          4194304,  1,         4194303",
      "4194304,          4194304,  1,         4194304",
      "4194305,          4194304,  2,         1",
      "4294967296,       4194304,  1024,      4194304",
      "4294967297,       8388608,  513,       1",
      "68719476736,      67108864, 1024,      67108864",
      "68719476737,      67108864, 1025,      1",
      "9007199254740991, 67108864, 134217728, 67108863",
  })
  @DisplayName("piece size and count at the edges: 4 MiB pieces up to 4 GiB, about 1 024 pieces up to 64 GiB, 64 MiB pieces beyond")
  void cutsAtTheEdges(long size, int pieceSize, int count, int lastLength) {
    PieceLayout layout = PieceLayout.of(size);

    assertThat(layout.pieceSize()).isEqualTo(pieceSize);
    assertThat(layout.count()).isEqualTo(count);
    if (count > 0) {
      assertThat(layout.length(count - 1)).isEqualTo(lastLength);
      assertThat(layout.start(count - 1) + layout.length(count - 1)).isEqualTo(size);
      assertThat(layout.pieceAt(size - 1)).isEqualTo(count - 1);
    }
  }

  @Test
  @DisplayName("the piece size is a power of two between 4 and 64 MiB and never leaves more than 1 024 pieces below 64 GiB")
  void pieceSizeFollowsTheRule() {
    for (long size = 1; size < 64 * GIB; size = size * 3 / 2 + 7) {
      PieceLayout layout = PieceLayout.of(size);
      assertThat(Integer.bitCount(layout.pieceSize())).as("%d bytes", size).isEqualTo(1);
      assertThat(layout.pieceSize()).as("%d bytes", size).isBetween(4 << 20, 64 << 20);
      assertThat(layout.count()).as("%d bytes", size).isBetween(1, 1024);
      long expected = Math.min(64 * MIB, Math.max(4 * MIB, nextPowerOfTwo((long) Math.ceil(size / 1024.0))));
      assertThat(layout.pieceSize()).as("%d bytes", size).isEqualTo(expected);
    }
  }

  @Test
  @DisplayName("pieces follow each other without gap or overlap, and each offset maps to the piece that holds it")
  void piecesTileTheFile() {
    long size = 10 * MIB + 123;
    PieceLayout layout = PieceLayout.of(size);

    assertThat(layout.count()).isEqualTo(3);
    long next = 0;
    for (int piece = 0; piece < layout.count(); piece++) {
      assertThat(layout.start(piece)).isEqualTo(next);
      assertThat(layout.pieceAt(next)).isEqualTo(piece);
      next += layout.length(piece);
      assertThat(layout.pieceAt(next - 1)).isEqualTo(piece);
    }
    assertThat(next).isEqualTo(size);
    assertThat(layout.length(2)).isEqualTo(2 * MIB + 123);
  }

  @Test
  @DisplayName("the same size always gives the same layout")
  void isAFunctionOfTheSize() {
    assertThat(PieceLayout.of(5 * GIB + 17)).isEqualTo(PieceLayout.of(5 * GIB + 17))
        .isNotEqualTo(PieceLayout.of(5 * GIB + 18));
  }

  @Test
  @DisplayName("pieces, offsets and sizes outside the file are refused")
  void refusesWhatIsOutside() {
    PieceLayout layout = PieceLayout.of(4 * MIB + 1);
    assertThatThrownBy(() -> layout.start(2)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> layout.length(-1)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> layout.pieceAt(4 * MIB + 1)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> PieceLayout.of(0).pieceAt(0)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> PieceLayout.of(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PieceLayout.of(LARGEST + 1)).isInstanceOf(IllegalArgumentException.class);
  }

  private static long nextPowerOfTwo(long n) {
    long power = 1;
    while (power < n) {
      power <<= 1;
    }
    return power;
  }
}
