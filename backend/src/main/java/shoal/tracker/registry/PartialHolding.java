package shoal.tracker.registry;

/**
 * What a peer still downloading a file reports of it: the file as it knows it, how many pieces the
 * file is cut into, and which of them the peer has verified, as the bytes of a
 * {@link shoal.common.transfer.PieceBitfield} of which {@code have} bits are set.
 */
public record PartialHolding(FileEntry file, int pieceCount, byte[] pieces, int have) {}
