package shoal.peer.share;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The files this peer is downloading and already serves in part: for each, the latest
 * {@link PartialShare}. Downloads publish a new one as each piece is verified and withdraw it when
 * they end; the files port reads them from its own thread. Each entry is immutable and replaced
 * whole, so a reader always sees one consistent set of verified pieces. A partial file is never in
 * the {@link ShareIndex}: it is served piece by piece, never listed as shared.
 */
public final class PartialShares {

  private final Map<String, PartialShare> bySha = new ConcurrentHashMap<>();

  public Optional<PartialShare> find(String sha256) {
    return Optional.ofNullable(bySha.get(sha256));
  }

  /** Serves {@code share}'s verified pieces from now on, instead of what was published for its file before. */
  public void publish(PartialShare share) {
    bySha.put(share.sha256(), share);
  }

  /** Serves nothing of {@code sha256} as a partial file any more. */
  public void withdraw(String sha256) {
    bySha.remove(sha256);
  }
}
