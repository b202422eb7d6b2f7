package shoal.tracker.readmodel;

import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import shoal.tracker.registry.FileDetails;
import shoal.tracker.registry.FileSummary;
import shoal.tracker.registry.NetworkFigures;
import shoal.tracker.registry.PeerRegistry;
import shoal.tracker.registry.ReadModel;

/**
 * The read side of the tracker's read model, shared by its HTTP verticles; {@link ReadModelVerticle}
 * writes it. Two references are published across threads: the index (swapped whole after a full
 * load) and whether it is current.
 */
public final class MemoryReadModel implements ReadModel {

  private volatile RegistryIndex index = new RegistryIndex();
  private volatile boolean current;

  @Override
  public boolean current() {
    return current;
  }

  @Override
  public FileDetails lookup(String sha256) {
    return index.lookup(sha256);
  }

  @Override
  public List<FileSummary> search(String text, int limit, int offset) {
    return index.search(text, limit, offset);
  }

  @Override
  public boolean surelyUnavailable(UUID downloader, String sha256, Collection<UUID> excluded) {
    return current && index.surelyUnavailable(downloader, sha256, excluded);
  }

  @Override
  public PeerRegistry.PeerIdentity downloader(Buffer tokenHash) {
    return current ? index.liveIdentity(ByteBuffer.wrap(tokenHash.getBytes())) : null;
  }

  @Override
  public NetworkFigures figures() {
    return current ? index.figures() : null;
  }

  RegistryIndex index() {
    return index;
  }

  void publish(RegistryIndex loaded) {
    index = loaded;
  }

  void current(boolean isCurrent) {
    current = isCurrent;
  }
}
