package shoal.tracker.db;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where every registry transaction runs. A transaction that loses to concurrent ones — a deadlock
 * victim, a serialization failure, a lock wait past {@code lock_timeout} — is run again from the
 * start, a few times, after a short random pause so that the contenders do not collide again in
 * step. Its work must therefore do nothing outside the transaction (events are published after
 * the outcome, by the callers). If it still loses, the failure goes to the client as 503
 * {@code busy} with its cause ({@link DatabaseFailures#toApiError}).
 */
public final class Transactions {

  private static final Logger LOG = LoggerFactory.getLogger(Transactions.class);
  /** Three runs: with a 2 s lock timeout, a request waits at most about 6 s for a held lock. */
  static final int ATTEMPTS = 3;
  private static final long BASE_BACKOFF_MILLIS = 20;

  private Transactions() {}

  /** Runs {@code work} in a transaction of {@code pool}; call on a Vert.x context, as every registry call is. */
  public static <T> Future<T> run(Pool pool, Function<SqlConnection, Future<T>> work) {
    return attempt(() -> pool.withTransaction(work), 1);
  }

  /**
   * Runs {@code statement}, a single statement sent to the pool: a transaction of its own, without
   * the round trips of BEGIN and COMMIT, run again as {@link #run} runs a transaction.
   */
  public static <T> Future<T> runAlone(Supplier<Future<T>> statement) {
    return attempt(statement, 1);
  }

  private static <T> Future<T> attempt(Supplier<Future<T>> transaction, int attempt) {
    return transaction.get().recover(failure -> {
      Context context = Vertx.currentContext();
      if (attempt >= ATTEMPTS || context == null || !DatabaseFailures.isContention(failure)) {
        return Future.failedFuture(failure);
      }
      long pause = backoffMillis(attempt);
      LOG.debug("transaction lost to a concurrent one ({}); running it again in {} ms", failure.getMessage(), pause);
      return context.owner().timer(pause, TimeUnit.MILLISECONDS).compose(elapsed -> attempt(transaction, attempt + 1));
    });
  }

  /** 20–40 ms, then 40–80 ms: doubling, with full jitter on top. */
  static long backoffMillis(int attempt) {
    long base = BASE_BACKOFF_MILLIS << (attempt - 1);
    return base + ThreadLocalRandom.current().nextLong(base + 1);
  }
}
