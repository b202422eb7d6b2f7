package shoal.peer.share;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * What this peer shares right now, by hash: the only way a request ever reaches a file on disk.
 * Replaced as a whole by each scan, so readers on any thread see one consistent listing. It also
 * knows the piece hashes of the files it lists, as the scanner learns them: usually before a file
 * is listed, later for a file whose hash came from the cache of an older version.
 */
public final class ShareIndex {

  /** What a scan changed: hashes that appeared and hashes that are gone. */
  public record Change(Set<String> added, Set<String> removed) {
    public boolean isEmpty() {
      return added.isEmpty() && removed.isEmpty();
    }
  }

  private volatile Map<String, SharedFile> bySha = Map.of();
  /** Pieces of listed files of more than one piece; the scanner's threads write, the files port reads. */
  private final Map<String, PieceHashes> piecesBySha = new ConcurrentHashMap<>();
  private final List<Consumer<Change>> listeners = new CopyOnWriteArrayList<>();

  public Optional<SharedFile> find(String sha256) {
    return Optional.ofNullable(bySha.get(sha256));
  }

  /**
   * The piece hashes of a listed file; empty while they are not known yet. A file of one piece or
   * none needs no reading: its only piece is the whole file.
   */
  public Optional<PieceHashes> pieces(SharedFile file) {
    if (PieceLayout.of(file.size()).count() <= 1) {
      return Optional.of(PieceHashes.ofWholeFile(file.size(), file.sha256()));
    }
    return Optional.ofNullable(piecesBySha.get(file.sha256()));
  }

  boolean knowsPieces(String sha256) {
    return piecesBySha.containsKey(sha256);
  }

  /** Remembers the pieces of a file listed now or by the next scan. */
  void learnPieces(String sha256, PieceHashes pieces) {
    if (pieces.count() > 1) {
      piecesBySha.put(sha256, pieces);
    }
  }

  /** One entry per distinct hash; a file present twice is listed once. */
  public Collection<SharedFile> files() {
    return bySha.values();
  }

  public int size() {
    return bySha.size();
  }

  /** Called with every non-empty change, on the scanning thread. */
  public void onChange(Consumer<Change> listener) {
    listeners.add(listener);
  }

  /** Installs a new listing and tells listeners what changed. */
  void replace(Collection<SharedFile> files) {
    Map<String, SharedFile> next = new LinkedHashMap<>();
    for (SharedFile file : files) {
      next.putIfAbsent(file.sha256(), file);
    }
    Map<String, SharedFile> previous = bySha;
    bySha = next;
    // Pieces learnt for a file that left the share meanwhile go with this scan at the latest.
    piecesBySha.keySet().retainAll(next.keySet());
    Change change = new Change(
        next.keySet().stream().filter(sha -> !previous.containsKey(sha)).collect(Collectors.toSet()),
        previous.keySet().stream().filter(sha -> !next.containsKey(sha)).collect(Collectors.toSet()));
    if (!change.isEmpty()) {
      listeners.forEach(listener -> listener.accept(change));
    }
  }
}
