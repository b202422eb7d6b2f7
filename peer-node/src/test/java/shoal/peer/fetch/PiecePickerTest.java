package shoal.peer.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import java.util.OptionalInt;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import shoal.peer.share.PieceLayout;

@DisplayName("Picking pieces, rarest first")
class PiecePickerTest {

  /** Eight pieces of 4 MiB. */
  private static final PieceLayout LAYOUT = PieceLayout.of(32L << 20);

  @Test
  @DisplayName("a holder with some pieces is asked only for those, and the seed for what no other source has")
  void rarestFirst() {
    PiecePicker picker = new PiecePicker(LAYOUT, new BitSet(), 0);
    picker.sourceHolds("seed", null);
    picker.sourceHolds("neighbour", pieces(0, 1, 2, 3));

    // Pieces 4..7 only the seed holds: it is given those, although the search starts at piece 0.
    assertThat(picker.claim("seed")).isEqualTo(OptionalInt.of(4));
    assertThat(picker.claim("seed")).isEqualTo(OptionalInt.of(5));
    assertThat(picker.claim("neighbour")).isEqualTo(OptionalInt.of(0));
    assertThat(picker.claim("neighbour")).isEqualTo(OptionalInt.of(1));
    picker.verified(4, "seed");
    picker.verified(5, "seed");
    assertThat(picker.claim("seed")).isEqualTo(OptionalInt.of(6));
    assertThat(picker.claim("seed")).isEqualTo(OptionalInt.of(7));
    assertThat(picker.claim("seed")).as("then what both hold").isEqualTo(OptionalInt.of(2));
  }

  @Test
  @DisplayName("among equally rare pieces the search runs on from where the download chose, wrapping round")
  void equallyRareFromTheChosenStart() {
    PiecePicker picker = new PiecePicker(LAYOUT, pieces(7), 6);
    picker.sourceHolds("seed", null);
    assertThat(picker.claim("seed")).isEqualTo(OptionalInt.of(6));
    assertThat(picker.claim("seed")).as("7 is verified already").isEqualTo(OptionalInt.of(0));
  }

  @Test
  @DisplayName("in the endgame a holder with some pieces doubles up only on a piece it has")
  void endgameOnlyOnHeldPieces() {
    PiecePicker picker = new PiecePicker(LAYOUT, pieces(0, 1, 2, 3, 4, 5), 0);
    picker.sourceHolds("seed", null);
    picker.sourceHolds("neighbour", pieces(7));
    assertThat(picker.claim("seed")).isEqualTo(OptionalInt.of(6));
    assertThat(picker.claim("seed")).isEqualTo(OptionalInt.of(7));
    assertThat(picker.claim("neighbour")).as("piece 7, beside the seed").isEqualTo(OptionalInt.of(7));
    assertThat(picker.isSpare(7, "neighbour")).isTrue();
    assertThat(picker.claim("neighbour")).as("piece 6 it does not have").isEmpty();

    picker.sourceGone("seed");
    assertThat(picker.hasUnclaimed()).as("piece 6, the seed's, is free again").isTrue();
    assertThat(picker.claim("neighbour")).isEmpty();
    picker.sourceHolds("neighbour", pieces(6, 7));
    assertThat(picker.claim("neighbour")).isEqualTo(OptionalInt.of(6));
  }

  private static BitSet pieces(int... numbers) {
    BitSet set = new BitSet();
    for (int number : numbers) {
      set.set(number);
    }
    return set;
  }
}
