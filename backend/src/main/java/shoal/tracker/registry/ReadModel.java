package shoal.tracker.registry;

import io.vertx.core.buffer.Buffer;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

/**
 * The registry as this tracker holds it in memory, for the reads that would otherwise hit
 * PostgreSQL on every request. PostgreSQL stays the truth: the model answers only while it is
 * {@link #current()}, and callers ask the database otherwise.
 */
public interface ReadModel {

  /** A model that is never current: every read goes to PostgreSQL. */
  ReadModel NONE = new ReadModel() {
    @Override
    public boolean current() {
      return false;
    }

    @Override
    public FileDetails lookup(String sha256) {
      throw new IllegalStateException("not current");
    }

    @Override
    public List<FileSummary> search(String text, int limit, int offset) {
      throw new IllegalStateException("not current");
    }

    @Override
    public boolean surelyUnavailable(UUID downloader, String sha256, Collection<UUID> excluded) {
      return false;
    }

    @Override
    public PeerRegistry.PeerIdentity downloader(Buffer tokenHash) {
      return null;
    }

    @Override
    public NetworkFigures figures() {
      return null;
    }
  };

  /**
   * Whether the model has every change committed up to a moment ago: it listens to the database's
   * notifications and has read the registry since it last started listening.
   */
  boolean current();

  /** As {@link FileCatalog#lookup}, or null when no live peer holds the file. */
  FileDetails lookup(String sha256);

  /** As {@link FileCatalog#search}. */
  List<FileSummary> search(String text, int limit, int offset);

  /**
   * True only when the model is current and no live peer other than {@code downloader} (a peer
   * {@link #downloader} returned) and {@code excluded} holds the file. False means "ask PostgreSQL".
   */
  boolean surelyUnavailable(UUID downloader, String sha256, Collection<UUID> excluded);

  /**
   * The live peer whose token hashes to {@code tokenHash}, when the model is current and knows it;
   * null means "ask PostgreSQL". A peer that left a moment ago on another tracker may still be
   * returned: the transfer's start checks again, under its locks.
   */
  PeerRegistry.PeerIdentity downloader(Buffer tokenHash);

  /**
   * The network's size as the model holds it, counted now (a walk over every file), or null while
   * the model is not current.
   */
  NetworkFigures figures();
}
