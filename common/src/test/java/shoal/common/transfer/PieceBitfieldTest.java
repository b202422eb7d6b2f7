package shoal.common.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.BitSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Bitfields of verified pieces")
class PieceBitfieldTest {

  @Test
  @DisplayName("piece 0 is the first byte's high bit, and decoding gives back what was encoded")
  void roundTrip() {
    BitSet pieces = new BitSet();
    pieces.set(0);
    pieces.set(9);
    pieces.set(10);
    String bitfield = PieceBitfield.encode(pieces, 11);
    assertThat(bitfield).isEqualTo("gGA=");
    assertThat(PieceBitfield.decode(bitfield, 11)).isEqualTo(pieces);
    assertThat(PieceBitfield.decode(PieceBitfield.encode(new BitSet(), 1), 1)).isEqualTo(new BitSet());
    assertThat(PieceBitfield.checkedBytes(bitfield, 11)).containsExactly(0x80, 0x60);
    assertThat(PieceBitfield.countPieces(PieceBitfield.checkedBytes(bitfield, 11))).isEqualTo(3);
  }

  @Test
  @DisplayName("anything but a bitfield of exactly that many pieces, spare bits zero, is refused with a sentence")
  void refusesWhatIsNoBitfield() {
    assertThatThrownBy(() -> PieceBitfield.decode("%%%", 8)).hasMessageContaining("not base64");
    assertThatThrownBy(() -> PieceBitfield.decode("gGA=", 8)).hasMessageContaining("has 2 bytes");
    assertThatThrownBy(() -> PieceBitfield.decode("gGA=", 17)).hasMessageContaining("has 2 bytes");
    // Bit 11 is set, past the last of 11 pieces.
    assertThatThrownBy(() -> PieceBitfield.decode("gBA=", 11)).hasMessageContaining("piece 11");
    assertThatThrownBy(() -> PieceBitfield.checkedBytes("gAE=", 11)).hasMessageContaining("piece 15");
    assertThatThrownBy(() -> PieceBitfield.decode(null, 11)).hasMessageContaining("missing");
  }
}
