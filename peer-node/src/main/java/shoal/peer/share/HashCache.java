package shoal.peer.share;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hashes already computed, keyed by path, size and modification time, kept in a small file so a
 * restart does not hash the whole share again. A file whose size or time changed is hashed anew.
 * One line per file: {@code sha256 TAB size TAB mtime TAB path}. Thread-safe.
 */
public final class HashCache {

  private static final Logger LOG = LoggerFactory.getLogger(HashCache.class);

  private record Key(String path, long size, long modifiedMillis) {}

  private final Path store;
  private final Map<Key, String> hashes = new HashMap<>();
  private boolean dirty;

  private HashCache(Path store) {
    this.store = store;
  }

  /** The cache kept in {@code store}; a missing or unreadable one starts empty. Blocking. */
  public static HashCache load(Path store) {
    HashCache cache = new HashCache(store);
    try (BufferedReader reader = Files.newBufferedReader(store, StandardCharsets.UTF_8)) {
      String line;
      while ((line = reader.readLine()) != null) {
        String[] fields = line.split("\t", 4);
        try {
          if (fields.length == 4 && Sha256.isValid(fields[0])) {
            cache.hashes.put(new Key(fields[3], Long.parseLong(fields[1]), Long.parseLong(fields[2])), fields[0]);
          }
        } catch (NumberFormatException e) {
          // a damaged line only costs hashing that file again
        }
      }
    } catch (NoSuchFileException e) {
      // first start
    } catch (IOException | RuntimeException e) {
      LOG.warn("ignoring the unreadable hash cache {}: {}", store, e.getMessage());
      cache.hashes.clear();
    }
    return cache;
  }

  public synchronized String get(Path path, long size, long modifiedMillis) {
    return hashes.get(new Key(path.toString(), size, modifiedMillis));
  }

  public synchronized void put(Path path, long size, long modifiedMillis, String sha256) {
    String previous = hashes.put(new Key(path.toString(), size, modifiedMillis), sha256);
    dirty |= !sha256.equals(previous);
  }

  /** Forgets every file not in {@code present}, so the cache never outgrows the share. */
  public synchronized void retainOnly(Set<Path> present) {
    dirty |= hashes.keySet().removeIf(key -> !present.contains(Path.of(key.path())));
  }

  /** Writes the cache if it changed, replacing the old file in one step. Blocking. */
  public synchronized void save() {
    if (!dirty) {
      return;
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
      dirty = false;
    } catch (IOException e) {
      LOG.warn("could not save the hash cache {}: {}", store, e.getMessage());
    }
  }
}
