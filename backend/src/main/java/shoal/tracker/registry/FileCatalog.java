package shoal.tracker.registry;

import static shoal.tracker.registry.RegistryQueries.*;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import shoal.common.http.ApiError;

/** Which files the network holds, found by name or by hash. */
public final class FileCatalog {

  public static final String NOT_AVAILABLE_MESSAGE =
      "Sorry, the file you requested is not available. Please try again later.";

  private final Pool pool;
  private final ReadModel memory;

  /** @param memory answers instead of {@code pool} while it is current */
  public FileCatalog(Pool pool, ReadModel memory) {
    this.pool = pool;
    this.memory = memory;
  }

  /** Files whose name contains {@code text}, case-insensitively; an empty text matches all. */
  public Future<List<FileSummary>> search(String text, int limit, int offset) {
    if (memory.current()) {
      return Future.succeededFuture(memory.search(text, limit, offset));
    }
    return pool.preparedQuery(SEARCH_FILES).execute(Tuple.of(containsPattern(text), limit, offset)).map(rows -> {
      List<FileSummary> files = new ArrayList<>(rows.size());
      rows.forEach(row -> files.add(new FileSummary(
          row.getString("sha256"), row.getString("name"), row.getLong("size"), row.getLong("holders"))));
      return files;
    });
  }

  /** The file and its live holders, least loaded first; 404 {@code not_available} when none. */
  public Future<FileDetails> lookup(String sha256) {
    // A hit is answered from memory; a miss asks PostgreSQL, so that a file reported through
    // another tracker a moment ago is never called unavailable here.
    FileDetails remembered = memory.current() ? memory.lookup(sha256) : null;
    if (remembered != null) {
      return Future.succeededFuture(remembered);
    }
    return pool.preparedQuery(FILE_HOLDERS).execute(Tuple.of(sha256)).map(rows -> {
      if (rows.size() == 0) {
        throw notAvailable();
      }
      List<Holder> holders = new ArrayList<>(rows.size());
      Row first = rows.iterator().next();
      rows.forEach(row -> holders.add(new Holder(
          row.getUUID("peer_id"), row.getString("peer_name"), row.getString("address"), row.getLong("active_uploads"),
          row.getLong("holder_size"))));
      return new FileDetails(sha256, first.getString("name"), first.getLong("size"), holders);
    });
  }

  public static ApiError notAvailable() {
    return ApiError.notFound("not_available", NOT_AVAILABLE_MESSAGE);
  }

  /** A LIKE pattern for "contains", with the user's own {@code %}, {@code _} and {@code \} taken literally. */
  private static String containsPattern(String text) {
    String escaped = text.toLowerCase(Locale.ROOT)
        .replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    return "%" + escaped + "%";
  }
}
