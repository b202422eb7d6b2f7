package shoal.tracker.db;

import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.io.IOException;
import java.net.ConnectException;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import shoal.common.http.ApiError;

/**
 * Tells apart, by SQLSTATE, why the registry failed: a database out of reach (503, retry later),
 * a registry too busy to answer in time (503 {@code busy}, with the cause in words), or a bug (500).
 */
public final class DatabaseFailures {

  /** deadlock_detected: PostgreSQL cancelled this transaction to break a cycle of lock waits. */
  static final String DEADLOCK = "40P01";
  /** serialization_failure: a concurrent update made this transaction's view stale. */
  static final String SERIALIZATION = "40001";
  /** lock_not_available: {@code lock_timeout} passed while waiting for a lock. */
  static final String LOCK_TIMEOUT = "55P03";
  /** query_canceled: {@code statement_timeout} passed (the tracker sends no other cancel). */
  static final String STATEMENT_TIMEOUT = "57014";

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
   * A conflict with concurrent transactions that running the transaction again resolves: a
   * deadlock, a serialization failure or a lock wait that timed out.
   */
  public static boolean isContention(Throwable failure) {
    return sqlState(failure)
        .filter(state -> state.equals(DEADLOCK) || state.equals(SERIALIZATION) || state.equals(LOCK_TIMEOUT))
        .isPresent();
  }

  /**
   * What to answer for a failure of the database, or {@code null} when it is not one (a bug, or a
   * failure meant for the client): 503 {@code busy} naming the cause, or 503 {@code unavailable}.
   */
  public static ApiError toApiError(Throwable failure, DatabaseTimeouts timeouts) {
    String busy = sqlState(failure).map(state -> switch (state) {
      case LOCK_TIMEOUT -> "a lock could not be taken within " + DatabaseTimeouts.spoken(timeouts.lock());
      case DEADLOCK -> "this request and another one each waited for the other's locks";
      case SERIALIZATION -> "another request changed the same entries at the same moment";
      case STATEMENT_TIMEOUT -> "a query took longer than " + DatabaseTimeouts.spoken(timeouts.statement()) + " and was stopped";
      default -> null;
    }).orElse(null);
    if (busy != null) {
      return new ApiError(503, "busy", "The registry is busy: " + busy + ". Please try again.");
    }
    if (isUnavailable(failure)) {
      return new ApiError(503, "unavailable", "The service cannot reach its database right now. Please try again shortly.");
    }
    return null;
  }

  private static Optional<String> sqlState(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof PgException pg && pg.getSqlState() != null) {
        return Optional.of(pg.getSqlState());
      }
    }
    return Optional.empty();
  }

  /**
   * SQLSTATE classes 08 (connection exception), 53 (insufficient resources) and 57P (the server is
   * shutting down or starting up). Class 40 and lock timeouts are contention, not an outage.
   */
  private static boolean isUnavailableState(String sqlState) {
    return sqlState != null
        && (sqlState.startsWith("08") || sqlState.startsWith("53") || sqlState.startsWith("57P"));
  }
}
