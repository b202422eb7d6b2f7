package shoal.tracker.db;

import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;

/** Tells a database that is out of reach (answer 503, retry later) from a bug (answer 500). */
public final class DatabaseFailures {

  private DatabaseFailures() {}

  public static boolean isUnavailable(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ConnectException
          || t instanceof ClosedConnectionException
          || t instanceof TimeoutException
          || t instanceof IOException) {
        return true;
      }
      if (t instanceof PgException pg && isUnavailableState(pg.getSqlState())) {
        return true;
      }
    }
    return false;
  }

  /**
   * SQLSTATE classes 08 (connection exception), 53 (insufficient resources), 57P (the server is
   * shutting down or starting up) and 40 (transaction rollback: a serialization failure or a
   * deadlock victim, which a retry resolves).
   */
  private static boolean isUnavailableState(String sqlState) {
    return sqlState != null
        && (sqlState.startsWith("08") || sqlState.startsWith("53") || sqlState.startsWith("57P") || sqlState.startsWith("40"));
  }
}
