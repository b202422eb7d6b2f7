package shoal.tracker.readmodel;

import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The files whose lower-case name contains each three-character sequence, so that a search reads
 * the few hundred files sharing its rarest trigram instead of every file. Trigrams are taken over
 * {@code char}s, as {@link String#contains} compares them: every trigram of a needle found in a
 * name is a trigram of that name, whatever the script, surrogate pairs included.
 *
 * <p>One writer (the read model's), readers on any thread, no locks. Postings hold hashes, not
 * views, so a change of holders touches nothing here. The writer posts a name's trigrams before
 * its view enters the files map and withdraws them after the view left or was renamed, so a
 * posting may name a file that no longer matches, never miss one that does; readers check every
 * candidate against the current view anyway. A file added while a search runs may be missed by
 * that search, as a scan of the map may miss it.
 *
 * <p>Memory: each distinct trigram of a name is one entry of a concurrent set, about 40 bytes (a
 * 32-byte node and its table slot), so a file costs about 40 bytes per character of its name:
 * about 620 bytes measured for names like {@code track-012345.flac} (17 characters, 15 trigrams). The trigram keys
 * are shared by every name, and their number is bounded by the distinct trigrams in use.
 */
final class TrigramIndex {

  private final ConcurrentHashMap<Long, Set<String>> postings = new ConcurrentHashMap<>();

  /**
   * The hashes of every file whose name may contain {@code needle} (lower case), fewest first:
   * the smallest posting of its trigrams, which may be empty; or null when the needle is shorter
   * than a trigram and the caller must scan every file.
   */
  Set<String> candidates(String needle) {
    if (needle.length() < 3) {
      return null;
    }
    Set<String> smallest = null;
    int smallestSize = Integer.MAX_VALUE;
    for (long trigram : trigrams(needle)) {
      Set<String> posting = postings.get(trigram);
      if (posting == null) {
        return Set.of();
      }
      int size = posting.size();
      if (size < smallestSize) {
        smallest = posting;
        smallestSize = size;
      }
    }
    return smallest;
  }

  /** Posts {@code sha256} under every trigram of {@code lowerName}: before its view is published. */
  void add(String sha256, String lowerName) {
    for (long trigram : trigrams(lowerName)) {
      postings.computeIfAbsent(trigram, key -> ConcurrentHashMap.newKeySet()).add(sha256);
    }
  }

  /**
   * Withdraws {@code sha256} from the trigrams of {@code oldLowerName} that {@code keptLowerName}
   * (null when the file left) does not have: after its view was renamed or removed.
   */
  void remove(String sha256, String oldLowerName, String keptLowerName) {
    long[] kept = keptLowerName == null ? new long[0] : trigrams(keptLowerName);
    for (long trigram : trigrams(oldLowerName)) {
      if (Arrays.binarySearch(kept, trigram) >= 0) {
        continue;
      }
      Set<String> posting = postings.get(trigram);
      if (posting != null && posting.remove(sha256) && posting.isEmpty()) {
        // Only this writer adds, so nothing can be posted between the check and the removal.
        postings.remove(trigram, posting);
      }
    }
  }

  /** Distinct trigrams in use; for tests. */
  int size() {
    return postings.size();
  }

  /** The distinct trigrams of {@code text}, each three chars packed into a long, sorted. */
  static long[] trigrams(String text) {
    int count = Math.max(0, text.length() - 2);
    long[] all = new long[count];
    for (int i = 0; i < count; i++) {
      all[i] = (long) text.charAt(i) << 32 | (long) text.charAt(i + 1) << 16 | text.charAt(i + 2);
    }
    Arrays.sort(all);
    int distinct = 0;
    for (int i = 0; i < count; i++) {
      if (distinct == 0 || all[i] != all[distinct - 1]) {
        all[distinct++] = all[i];
      }
    }
    return distinct == count ? all : Arrays.copyOf(all, distinct);
  }
}
