package shoal.tracker.readmodel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import shoal.tracker.readmodel.RegistryLoader.Loaded;
import shoal.tracker.readmodel.Rows.HoldingRow;
import shoal.tracker.readmodel.Rows.PeerRow;

/**
 * Applies loaded rows to a {@link RegistryIndex}, on the read model's context only. Every file a
 * load touches is rebuilt once, whatever number of its holders changed.
 */
final class IndexWriter {

  private IndexWriter() {}

  /**
   * Makes the index agree with {@code loaded} for {@code peers}: those it did not find are gone;
   * for {@code holdingsOf} (a subset), what they hold is replaced too; for {@code files}, the
   * holdings named are replaced, and those not found are gone.
   */
  static void apply(RegistryIndex index, Loaded loaded, Collection<UUID> peers, Collection<UUID> holdingsOf,
      Map<UUID, Set<String>> files) {
    Map<UUID, PeerRow> found = new HashMap<>();
    loaded.peers().forEach(row -> found.put(row.id(), row));
    Map<String, FileChange> changes = new HashMap<>();
    for (UUID id : peers) {
      PeerRow row = found.get(id);
      if (row == null) {
        remove(index, id, changes);
        continue;
      }
      PeerCell cell = index.peers.get(id);
      if (cell == null) {
        cell = new PeerCell(id, row.name(), row.address(), row.tokenHash(), row.liveness());
        index.peers.put(id, cell);
        index.tokens.put(row.tokenHash(), cell);
      } else if (!cell.liveness.gone()) {
        // A peer marked gone stays gone: a load that began before its departure was committed
        // here may still find its row (see markGone).
        cell.liveness = row.liveness();
      }
    }
    Map<UUID, List<HoldingRow>> holdings = new HashMap<>();
    loaded.holdings().forEach(row -> holdings.computeIfAbsent(row.peerId(), id -> new ArrayList<>()).add(row));
    for (UUID id : holdingsOf) {
      PeerCell cell = index.peers.get(id);
      if (cell != null) {
        replaceHoldings(index, cell, holdings.getOrDefault(id, List.of()), changes);
      }
    }
    Map<UUID, Map<String, HoldingRow>> single = new HashMap<>();
    loaded.singleHoldings().forEach(row -> single.computeIfAbsent(row.peerId(), id -> new HashMap<>()).put(row.sha256(), row));
    files.forEach((id, hashes) -> {
      PeerCell cell = index.peers.get(id);
      if (cell != null) {
        Map<String, HoldingRow> read = single.getOrDefault(id, Map.of());
        hashes.forEach(sha256 -> replaceHolding(index, cell, sha256, read.get(sha256), changes));
      }
    });
    changes.values().forEach(change -> change.applyTo(index));
  }

  /**
   * Marks the peers gone, so that no reader offers them from now on; their files are rebuilt
   * without them by the next load, which reads them and finds them gone.
   */
  static void markGone(RegistryIndex index, Collection<UUID> peers) {
    peers.forEach(id -> {
      PeerCell cell = index.peers.get(id);
      if (cell != null) {
        cell.liveness = PeerCell.Liveness.GONE;
      }
    });
  }

  /** Takes the peers out at once, without asking the database: for a departure it committed itself. */
  static void removeAll(RegistryIndex index, Collection<UUID> peers) {
    Map<String, FileChange> changes = new HashMap<>();
    peers.forEach(id -> remove(index, id, changes));
    changes.values().forEach(change -> change.applyTo(index));
  }

  private static void remove(RegistryIndex index, UUID id, Map<String, FileChange> changes) {
    PeerCell cell = index.peers.remove(id);
    if (cell == null) {
      return;
    }
    // Readers stop offering it here, before any file is rebuilt.
    cell.liveness = PeerCell.Liveness.GONE;
    index.tokens.remove(cell.tokenHash, cell);
    for (String sha256 : cell.held) {
      changes.computeIfAbsent(sha256, FileChange::new).removed.add(cell);
    }
    cell.held = new String[0];
  }

  private static void replaceHoldings(RegistryIndex index, PeerCell cell, List<HoldingRow> rows, Map<String, FileChange> changes) {
    Set<String> now = new HashSet<>();
    String[] held = new String[rows.size()];
    int i = 0;
    for (HoldingRow row : rows) {
      FileView existing = index.files.get(row.sha256());
      // One String per hash, shared by the file's key and every holder's list.
      String sha256 = existing != null ? existing.sha256() : row.sha256();
      now.add(sha256);
      held[i++] = sha256;
      if (existing != null && existing.shows(cell, row.size(), row.fileName(), row.fileSize())) {
        // What the peer held before and still holds, as the file shows it: a peer that completes
        // one download, holding thousands, rebuilds one file, not thousands.
        continue;
      }
      changes.computeIfAbsent(sha256, FileChange::new).add(cell, row);
    }
    for (String sha256 : cell.held) {
      if (!now.contains(sha256)) {
        changes.computeIfAbsent(sha256, FileChange::new).removed.add(cell);
      }
    }
    cell.held = held;
  }

  /** Makes {@code cell}'s holding of {@code sha256} what {@code row} says, or gone when it is null. */
  private static void replaceHolding(RegistryIndex index, PeerCell cell, String sha256, HoldingRow row,
      Map<String, FileChange> changes) {
    FileView existing = index.files.get(sha256);
    String shared = existing != null ? existing.sha256() : sha256;
    boolean held = Arrays.asList(cell.held).contains(shared);
    if (row == null) {
      if (held) {
        changes.computeIfAbsent(shared, FileChange::new).removed.add(cell);
        cell.held = Arrays.stream(cell.held).filter(hash -> !hash.equals(shared)).toArray(String[]::new);
      }
      return;
    }
    if (held && existing != null && existing.shows(cell, row.size(), row.fileName(), row.fileSize())) {
      return;
    }
    changes.computeIfAbsent(shared, FileChange::new).add(cell, row);
    if (!held) {
      String[] more = Arrays.copyOf(cell.held, cell.held.length + 1);
      more[cell.held.length] = shared;
      cell.held = more;
    }
  }

  /** A full load: a fresh index, built from every peer and holding. */
  static final class FullLoad {

    private final RegistryIndex index = new RegistryIndex();
    private final Map<String, FileChange> files = new HashMap<>();
    private final Map<PeerCell, List<String>> held = new IdentityHashMap<>();

    void peer(PeerRow row) {
      PeerCell cell = new PeerCell(row.id(), row.name(), row.address(), row.tokenHash(), row.liveness());
      index.peers.put(row.id(), cell);
      index.tokens.put(row.tokenHash(), cell);
    }

    void holding(HoldingRow row) {
      PeerCell cell = index.peers.get(row.peerId());
      if (cell == null) {
        return;
      }
      FileChange file = files.computeIfAbsent(row.sha256(), FileChange::new);
      file.add(cell, row);
      held.computeIfAbsent(cell, c -> new ArrayList<>()).add(file.sha256);
    }

    RegistryIndex finish() {
      files.values().forEach(file -> file.applyTo(index));
      held.forEach((cell, hashes) -> cell.held = hashes.toArray(String[]::new));
      return index;
    }
  }

  /** What one load changes about one file. */
  private static final class FileChange {

    final String sha256;
    final Set<PeerCell> removed = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    final Map<PeerCell, Long> added = new LinkedHashMap<>();
    String name;
    long size;

    FileChange(String sha256) {
      this.sha256 = sha256;
    }

    /** {@code cell} holds the file as {@code row} says, under the catalogue's name and size. */
    void add(PeerCell cell, HoldingRow row) {
      added.put(cell, row.size());
      name = row.fileName();
      size = row.fileSize();
    }

    void applyTo(RegistryIndex index) {
      FileView old = index.files.get(sha256);
      List<PeerCell> holders = new ArrayList<>();
      List<Long> sizes = new ArrayList<>();
      if (old != null) {
        for (int i = 0; i < old.holders().length; i++) {
          PeerCell cell = old.holders()[i];
          if (!removed.contains(cell) && !added.containsKey(cell) && !cell.liveness.gone()) {
            holders.add(cell);
            sizes.add(old.sizes()[i]);
          }
        }
      }
      added.forEach((cell, heldSize) -> {
        holders.add(cell);
        sizes.add(heldSize);
      });
      if (holders.isEmpty()) {
        if (old != null) {
          index.removeFile(old);
        }
        return;
      }
      String fileName = name != null ? name : old.name();
      long fileSize = name != null ? size : old.size();
      index.putFile(old, new FileView(sha256, fileName, lowerCase(fileName, old), fileSize,
          holders.toArray(PeerCell[]::new), sizes.stream().mapToLong(Long::longValue).toArray()));
    }

    private static String lowerCase(String name, FileView old) {
      return old != null && old.name().equals(name) ? old.lowerName() : name.toLowerCase(java.util.Locale.ROOT);
    }
  }
}
