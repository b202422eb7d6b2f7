package shoal.tracker.readmodel;

/**
 * A file and the peers holding it, immutable: a change to its holders replaces the whole view.
 * {@code sizes[i]} is the size {@code holders[i]} reported; {@code name} and {@code size} are the
 * catalogue's (the first reported). {@code lowerName} is {@code name} itself when that is lower
 * case already, which costs nothing.
 */
record FileView(String sha256, String name, String lowerName, long size, PeerCell[] holders, long[] sizes) {

  /** Whether this view has {@code holder} holding {@code heldSize}, under the catalogue's {@code catalogueName} and {@code catalogueSize}. */
  boolean shows(PeerCell holder, long heldSize, String catalogueName, long catalogueSize) {
    if (size != catalogueSize || !name.equals(catalogueName)) {
      return false;
    }
    for (int i = 0; i < holders.length; i++) {
      if (holders[i] == holder) {
        return sizes[i] == heldSize;
      }
    }
    return false;
  }

  /** Live holders at {@code nowNanos}. */
  int liveHolders(long nowNanos) {
    int live = 0;
    for (PeerCell holder : holders) {
      if (holder.liveness.live(nowNanos)) {
        live++;
      }
    }
    return live;
  }
}
