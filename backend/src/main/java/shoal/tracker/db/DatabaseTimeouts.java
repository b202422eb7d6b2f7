package shoal.tracker.db;

import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import java.time.Duration;

/**
 * How long the registry lets one connection wait, set on every connection of the tracker's pools,
 * so that a stuck database, a long lock or a forgotten transaction answers a request instead of
 * hanging it.
 *
 * @param statement a statement running longer is cancelled ({@code statement_timeout})
 * @param lock a statement waiting longer for a row or table lock gives up ({@code lock_timeout});
 *     shorter than {@code statement}, so that waiting on a lock is told apart from slow work
 * @param idleInTransaction a session idle this long inside a transaction is ended, releasing its
 *     locks ({@code idle_in_transaction_session_timeout})
 */
public record DatabaseTimeouts(Duration statement, Duration lock, Duration idleInTransaction) {

  /** Generous for the registry's statements (milliseconds each), short enough for a client to wait. */
  public static final DatabaseTimeouts DEFAULTS =
      new DatabaseTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(2), Duration.ofSeconds(10));

  public DatabaseTimeouts {
    for (Duration timeout : new Duration[] {statement, lock, idleInTransaction}) {
      if (timeout.toMillis() < 1) {
        throw new IllegalArgumentException("database timeouts must be at least 1 ms, not " + timeout);
      }
    }
  }

  /** Sends them in the connection's start-up packet: in force from the first statement, no round trip. */
  public PgConnectOptions applyTo(PgConnectOptions options) {
    return options
        .addProperty("statement_timeout", Long.toString(statement.toMillis()))
        .addProperty("lock_timeout", Long.toString(lock.toMillis()))
        .addProperty("idle_in_transaction_session_timeout", Long.toString(idleInTransaction.toMillis()));
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("statementMillis", statement.toMillis())
        .put("lockMillis", lock.toMillis())
        .put("idleInTransactionMillis", idleInTransaction.toMillis());
  }

  public static DatabaseTimeouts fromJson(JsonObject json) {
    if (json == null) {
      return DEFAULTS;
    }
    return new DatabaseTimeouts(
        Duration.ofMillis(json.getLong("statementMillis")),
        Duration.ofMillis(json.getLong("lockMillis")),
        Duration.ofMillis(json.getLong("idleInTransactionMillis")));
  }

  /** {@code 2 s}, {@code 500 ms}: as the sentences clients read put it. */
  static String spoken(Duration duration) {
    long millis = duration.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
  }
}
