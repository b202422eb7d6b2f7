package shoal.peer.share;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hashes already computed, keyed by path, size and modification time, kept in a small file so a
 * restart does not hash the whole share again. A file whose size or time changed is hashed anew.
 * One line per file: {@code sha256 TAB size TAB mtime TAB path}.
 *
 * <p>An immutable value: the scanner keeps the current one on the node's context, hands it to the
 * scanning worker to look hashes up, and takes back the one the scan made. So no lock is needed,
 * and a scan and an adoption cannot lose each other's hashes as long as they run one after another.
 */
public final class HashCache {

  private static final Logger LOG = LoggerFactory.getLogger(HashCache.class);

  private record Key(String path, long size, long modifiedMillis) {}

  /** A hash to remember: the file's path, size and modification time, and its SHA-256. */
  record Entry(Path path, long size, long modifiedMillis, String sha256) {}

  private final Path store;
  private final Map<Key, String> hashes;
  /** Whether {@code store} holds anything else. */
  private final boolean dirty;

  private HashCache(Path store, Map<Key, String> hashes, boolean dirty) {
    this.store = store;
    this.hashes = hashes;
    this.dirty = dirty;
  }

  /** The cache kept in {@code store}; a missing or unreadable one starts empty. Blocking. */
  public static HashCache load(Path store) {
    Map<Key, String> hashes = new HashMap<>();
    try (BufferedReader reader = Files.newBufferedReader(store, StandardCharsets.UTF_8)) {
      String line;
      while ((line = reader.readLine()) != null) {
        String[] fields = line.split("\t", 4);
        try {
          if (fields.length == 4 && Sha256.isValid(fields[0])) {
            hashes.put(new Key(fields[3], Long.parseLong(fields[1]), Long.parseLong(fields[2])), fields[0]);
          }
        } catch (NumberFormatException e) {
          // a damaged line only costs hashing that file again
        }
      }
    } catch (NoSuchFileException e) {
      // first start
    } catch (IOException | RuntimeException e) {
      LOG.warn("ignoring the unreadable hash cache {}: {}", store, e.getMessage());
      hashes.clear();
    }
    return new HashCache(store, Collections.unmodifiableMap(hashes), false);
  }

  String get(Path path, long size, long modifiedMillis) {
    return hashes.get(new Key(path.toString(), size, modifiedMillis));
  }

  /** This cache with {@code entries} added. */
  HashCache with(Collection<Entry> entries) {
    if (entries.isEmpty()) {
      return this;
    }
    Map<Key, String> next = new HashMap<>(hashes);
    boolean changed = false;
    for (Entry entry : entries) {
      String previous = next.put(new Key(entry.path().toString(), entry.size(), entry.modifiedMillis()), entry.sha256());
      changed |= !entry.sha256().equals(previous);
    }
    return new HashCache(store, Collections.unmodifiableMap(next), dirty || changed);
  }

  /**
   * A cache of exactly {@code present}, the files a walk found with their hashes: entries of files
   * gone, and of files since changed in place (an older size or time), are dropped, so the cache
   * never outgrows the share.
   */
  HashCache exactly(Collection<Entry> present) {
    Map<Key, String> next = new HashMap<>();
    for (Entry entry : present) {
      next.put(new Key(entry.path().toString(), entry.size(), entry.modifiedMillis()), entry.sha256());
    }
    return next.equals(hashes) ? this : new HashCache(store, Collections.unmodifiableMap(next), true);
  }

  /**
   * Writes the cache if it differs from the stored one, replacing the old file in one step, and
   * answers the cache now stored; this one again if writing failed, so the next scan tries again.
   * Blocking.
   */
  HashCache saved() {
    if (!dirty) {
      return this;
    }
    try {
      Files.createDirectories(store.getParent());
      Path temp = store.resolveSibling(store.getFileName() + ".tmp");
      try (BufferedWriter writer = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
        for (Map.Entry<Key, String> entry : hashes.entrySet()) {
          Key key = entry.getKey();
          writer.write(entry.getValue() + "\t" + key.size() + "\t" + key.modifiedMillis() + "\t" + key.path() + "\n");
        }
      }
      Files.move(temp, store, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return new HashCache(store, hashes, false);
    } catch (IOException e) {
      LOG.warn("could not save the hash cache {}: {}", store, e.getMessage());
      return this;
    }
  }
}
