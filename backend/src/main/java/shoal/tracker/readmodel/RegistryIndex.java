package shoal.tracker.readmodel;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import shoal.tracker.registry.FileDetails;
import shoal.tracker.registry.FileSummary;
import shoal.tracker.registry.Holder;
import shoal.tracker.registry.NetworkFigures;
import shoal.tracker.registry.PeerRegistry;

/**
 * Files by hash and peers by token, in memory. One writer, the read model's verticle, changes it;
 * HTTP verticles on every event loop read it without locks: a file's view is immutable and
 * replaced whole, a peer's liveness is one volatile reference, and the maps are concurrent ones.
 * A reader therefore sees each file either before or after a change, never half of it. The
 * writer changes files only through {@link #putFile} and {@link #removeFile}, which keep the
 * search's trigram index in step.
 *
 * <p>Answers match the SQL they replace (FILE_HOLDERS, SEARCH_FILES): live holders only, least
 * loaded first, then by name and peer id (PostgreSQL's byte order of uuids); search hits by name,
 * then hash. Names sort by code point, which is PostgreSQL's order under the C collation.
 */
final class RegistryIndex {

  /** Holders least loaded first, then by name, then by peer id as PostgreSQL orders uuids. */
  static final Comparator<Holder> HOLDER_ORDER = Comparator.comparingLong(Holder::activeUploads)
      .thenComparing(Holder::name)
      .thenComparing(Holder::peerId, RegistryIndex::compareUuids);

  private static final Comparator<FileView> FILE_ORDER = Comparator.comparing(FileView::name)
      .thenComparing(FileView::sha256);

  final ConcurrentHashMap<String, FileView> files = new ConcurrentHashMap<>();
  final ConcurrentHashMap<ByteBuffer, PeerCell> tokens = new ConcurrentHashMap<>();
  /** Files by the trigrams of their names, for searches; {@link TrigramIndex} says in which order. */
  final TrigramIndex names = new TrigramIndex();
  /**
   * Every file's name and hash in the listing's order, so that a page of the whole catalogue (a
   * search for nothing) walks the page, not every file. Changes only when a file comes, goes or
   * is renamed, not with its holders.
   */
  final ConcurrentSkipListSet<ListedFile> listing = new ConcurrentSkipListSet<>();
  /** Every peer the model knows, expired ones included until they are deleted; the writer's alone. */
  final Map<UUID, PeerCell> peers = new HashMap<>();

  // ---- reads, from any thread ---------------------------------------------------------------

  /** The file with its live holders, or null when it has none. */
  FileDetails lookup(String sha256) {
    FileView file = files.get(sha256);
    if (file == null) {
      return null;
    }
    long now = System.nanoTime();
    List<Holder> holders = new ArrayList<>(file.holders().length);
    for (int i = 0; i < file.holders().length; i++) {
      PeerCell peer = file.holders()[i];
      PeerCell.Liveness liveness = peer.liveness;
      if (liveness.live(now)) {
        holders.add(new Holder(peer.id, peer.name, peer.address, liveness.activeUploads(), file.sizes()[i]));
      }
    }
    if (holders.isEmpty()) {
      return null;
    }
    holders.sort(HOLDER_ORDER);
    return new FileDetails(file.sha256(), file.name(), file.size(), holders);
  }

  /**
   * Files with a live holder whose name contains {@code text}, case-insensitively, one page. The
   * candidates are the files sharing the needle's rarest trigram, or every file for a needle of
   * one or two characters; each is checked against its current view, keeping the best
   * {@code offset + limit} in a heap.
   */
  List<FileSummary> search(String text, int limit, int offset) {
    String needle = text.toLowerCase(Locale.ROOT);
    if (needle.isEmpty()) {
      return listed(limit, offset);
    }
    Page page = new Page(needle, (long) offset + limit, System.nanoTime());
    Set<String> candidates = names.candidates(needle);
    if (candidates == null) {
      files.values().forEach(page::consider);
    } else {
      for (String sha256 : candidates) {
        FileView file = files.get(sha256);
        if (file != null) {
          page.consider(file);
        }
      }
    }
    return page.from(offset);
  }

  /** A page of every file with a live holder, by name then hash. */
  private List<FileSummary> listed(int limit, int offset) {
    long now = System.nanoTime();
    List<FileSummary> page = new ArrayList<>(Math.min(limit, 1_000));
    int skipped = 0;
    for (ListedFile listed : listing) {
      if (page.size() >= limit) {
        break;
      }
      FileView file = files.get(listed.sha256());
      int holders = file == null ? 0 : file.liveHolders(now);
      if (holders == 0) {
        continue;
      }
      if (skipped < offset) {
        skipped++;
        continue;
      }
      page.add(new FileSummary(file.sha256(), file.name(), file.size(), holders));
    }
    return page;
  }

  /** True when no live peer other than {@code downloader} and {@code excluded} holds the file. */
  boolean surelyUnavailable(UUID downloader, String sha256, Collection<UUID> excluded) {
    FileView file = files.get(sha256);
    if (file == null) {
      return true;
    }
    long now = System.nanoTime();
    for (PeerCell holder : file.holders()) {
      if (!holder.id.equals(downloader) && holder.liveness.live(now) && !excluded.contains(holder.id)) {
        return false;
      }
    }
    return true;
  }

  /** The live peer owning {@code tokenHash}, or null when the index does not know one. */
  PeerRegistry.PeerIdentity liveIdentity(ByteBuffer tokenHash) {
    PeerCell peer = tokens.get(tokenHash);
    return peer != null && peer.liveness.live(System.nanoTime()) ? new PeerRegistry.PeerIdentity(peer.id, peer.name) : null;
  }

  /**
   * Live peers, files with a live holder, live holdings and the live peers' active uploads, as
   * one walk over the peers and files sees them: each file and peer is read whole, though a change
   * landing during the walk may show in one count and not yet in another.
   */
  NetworkFigures figures() {
    long now = System.nanoTime();
    long peers = 0;
    long uploads = 0;
    for (PeerCell peer : tokens.values()) {
      PeerCell.Liveness liveness = peer.liveness;
      if (liveness.live(now)) {
        peers++;
        uploads += liveness.activeUploads();
      }
    }
    long held = 0;
    long holdings = 0;
    for (FileView file : files.values()) {
      int holders = file.liveHolders(now);
      if (holders > 0) {
        held++;
        holdings += holders;
      }
    }
    return new NetworkFigures(peers, held, holdings, uploads);
  }

  // ---- writes, from the read model's context only ----------------------------------------

  /** Publishes {@code file}, which replaces {@code old} (null for a new file), posting a new name first. */
  void putFile(FileView old, FileView file) {
    boolean renamed = old != null && !old.lowerName().equals(file.lowerName());
    if (old == null || renamed) {
      names.add(file.sha256(), file.lowerName());
    }
    if (old == null || !old.name().equals(file.name())) {
      listing.add(new ListedFile(file.name(), file.sha256()));
    }
    files.put(file.sha256(), file);
    if (renamed) {
      names.remove(file.sha256(), old.lowerName(), file.lowerName());
    }
    if (old != null && !old.name().equals(file.name())) {
      listing.remove(new ListedFile(old.name(), old.sha256()));
    }
  }

  /** Withdraws {@code old}, then its name's postings and listing. */
  void removeFile(FileView old) {
    files.remove(old.sha256());
    names.remove(old.sha256(), old.lowerName(), null);
    listing.remove(new ListedFile(old.name(), old.sha256()));
  }

  /** The best {@code wanted} matches seen so far, in a heap whose head is the worst of them. */
  private static final class Page {

    private final String needle;
    private final long wanted;
    private final long now;
    private final PriorityQueue<Hit> best = new PriorityQueue<>(Comparator.comparing(Hit::file, FILE_ORDER).reversed());

    Page(String needle, long wanted, long now) {
      this.needle = needle;
      this.wanted = wanted;
      this.now = now;
    }

    void consider(FileView file) {
      if (!file.lowerName().contains(needle)) {
        return;
      }
      if (best.size() >= wanted && FILE_ORDER.compare(file, best.peek().file()) >= 0) {
        return;
      }
      int holders = file.liveHolders(now);
      if (holders == 0) {
        return;
      }
      best.add(new Hit(file, holders));
      if (best.size() > wanted) {
        best.poll();
      }
    }

    List<FileSummary> from(int offset) {
      List<Hit> sorted = new ArrayList<>(best);
      sorted.sort(Comparator.comparing(Hit::file, FILE_ORDER));
      List<FileSummary> page = new ArrayList<>();
      for (int i = offset; i < sorted.size(); i++) {
        FileView file = sorted.get(i).file();
        page.add(new FileSummary(file.sha256(), file.name(), file.size(), sorted.get(i).holders()));
      }
      return page;
    }
  }

  private record Hit(FileView file, int holders) {}

  /** A file's place in the listing: by name, then hash, as {@link #FILE_ORDER} sorts. */
  record ListedFile(String name, String sha256) implements Comparable<ListedFile> {

    @Override
    public int compareTo(ListedFile other) {
      int byName = name.compareTo(other.name);
      return byName != 0 ? byName : sha256.compareTo(other.sha256);
    }
  }

  /** PostgreSQL compares uuids byte by byte, unsigned; {@link UUID#compareTo} compares signed longs. */
  static int compareUuids(UUID a, UUID b) {
    int high = Long.compareUnsigned(a.getMostSignificantBits(), b.getMostSignificantBits());
    return high != 0 ? high : Long.compareUnsigned(a.getLeastSignificantBits(), b.getLeastSignificantBits());
  }
}
