package shoal.peer.share;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * What this peer shares right now, by hash: the only way a request ever reaches a file on disk.
 * It also knows the piece hashes of the files it lists, as the scanner learns them: usually with
 * the listing, later for a file whose hash came from the cache of an older version.
 *
 * <p>Changed on the node's context only: the {@link ShareScanner} installs listings and pieces
 * there, and listeners are registered and called there. Each change publishes a new immutable
 * {@link Listing}, so readers on any thread (the files port's event loop, the control port, the
 * hashing workers) see one consistent listing without locks.
 */
public final class ShareIndex {

  /** What a scan changed: hashes that appeared and hashes that are gone. */
  public record Change(Set<String> added, Set<String> removed) {
    public boolean isEmpty() {
      return added.isEmpty() && removed.isEmpty();
    }
  }

  /**
   * One version of the index, never changed once published.
   *
   * @param pieces pieces of files of more than one piece, listed now or by the next scan
   */
  private record Listing(Map<String, SharedFile> bySha, Map<String, PieceHashes> pieces) {}

  /** The only field other threads read; replaced whole on the node's context. */
  private volatile Listing listing = new Listing(Map.of(), Map.of());
  private final List<Consumer<Change>> listeners = new ArrayList<>();

  public Optional<SharedFile> find(String sha256) {
    return Optional.ofNullable(listing.bySha().get(sha256));
  }

  /**
   * The piece hashes of a listed file; empty while they are not known yet. A file of one piece or
   * none needs no reading: its only piece is the whole file.
   */
  public Optional<PieceHashes> pieces(SharedFile file) {
    if (PieceLayout.of(file.size()).count() <= 1) {
      return Optional.of(PieceHashes.ofWholeFile(file.size(), file.sha256()));
    }
    return Optional.ofNullable(listing.pieces().get(file.sha256()));
  }

  boolean knowsPieces(String sha256) {
    return listing.pieces().containsKey(sha256);
  }

  /** One entry per distinct hash; a file present twice is listed once. */
  public Collection<SharedFile> files() {
    return listing.bySha().values();
  }

  public int size() {
    return listing.bySha().size();
  }

  /** Calls {@code listener} with every non-empty change, on the node's context. Call it there too. */
  public void onChange(Consumer<Change> listener) {
    listeners.add(listener);
  }

  /** Remembers the pieces of a file listed now or by the next scan. On the node's context. */
  void learnPieces(String sha256, PieceHashes pieces) {
    if (pieces.count() > 1) {
      Listing now = listing;
      Map<String, PieceHashes> next = new HashMap<>(now.pieces());
      next.put(sha256, pieces);
      listing = new Listing(now.bySha(), Collections.unmodifiableMap(next));
    }
  }

  /**
   * Installs a new listing, with the pieces the scan learnt, and tells listeners what changed. On
   * the node's context.
   */
  void replace(Collection<SharedFile> files, Map<String, PieceHashes> learnt) {
    Map<String, SharedFile> bySha = new LinkedHashMap<>();
    for (SharedFile file : files) {
      bySha.putIfAbsent(file.sha256(), file);
    }
    Listing previous = listing;
    Map<String, PieceHashes> pieces = new HashMap<>(previous.pieces());
    learnt.forEach((sha256, known) -> {
      if (known.count() > 1) {
        pieces.put(sha256, known);
      }
    });
    // Pieces learnt for a file that left the share meanwhile go with this scan at the latest.
    pieces.keySet().retainAll(bySha.keySet());
    listing = new Listing(Collections.unmodifiableMap(bySha), Collections.unmodifiableMap(pieces));
    Change change = new Change(
        bySha.keySet().stream().filter(sha -> !previous.bySha().containsKey(sha)).collect(Collectors.toSet()),
        previous.bySha().keySet().stream().filter(sha -> !bySha.containsKey(sha)).collect(Collectors.toSet()));
    if (!change.isEmpty()) {
      listeners.forEach(listener -> listener.accept(change));
    }
  }
}
