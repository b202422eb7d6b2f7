package shoal.tracker.db;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.concurrent.TimeUnit;

/**
 * The reactive connection pools to the registry, one of each per tracker process, shared by its
 * verticles. Writes that lock rows can queue behind each other on a busy holder and keep their
 * connections meanwhile; reads (lookups, searches, the "not available" check) have a pool of their
 * own, so they are answered at once whatever the writers are waiting for.
 */
public final class RegistryPool {

  private static final String NAME = "shoal-registry";
  private static final String READS_NAME = "shoal-registry-reads";
  private static final String READ_MODEL_NAME = "shoal-read-model";

  private RegistryPool() {}

  /** The pool for reads that take no locks. */
  public static Pool createForReads(Vertx vertx, DatabaseUrl url, DatabaseTimeouts timeouts) {
    return build(vertx, url, timeouts, READS_NAME, 8);
  }

  /** The read model's one connection: it loads one batch at a time. */
  public static Pool createForReadModel(Vertx vertx, DatabaseUrl url, DatabaseTimeouts timeouts) {
    return build(vertx, url, timeouts, READ_MODEL_NAME, 1);
  }

  /**
   * The process's pool; verticle instances calling this share one, which closes with the last of
   * them. A request never waits more than a few seconds for a connection: with the database down
   * it fails (503) instead of hanging; nor for a lock or a statement, past {@code timeouts}.
   */
  public static Pool create(Vertx vertx, DatabaseUrl url, DatabaseTimeouts timeouts) {
    return build(vertx, url, timeouts, NAME, 16);
  }

  private static Pool build(Vertx vertx, DatabaseUrl url, DatabaseTimeouts timeouts, String name, int size) {
    return PgBuilder.pool()
        .with(new PoolOptions()
            .setShared(true)
            .setName(name)
            .setMaxSize(size)
            .setConnectionTimeout(5)
            .setConnectionTimeoutUnit(TimeUnit.SECONDS))
        .with(new NetClientOptions().setConnectTimeout(5_000))
        .connectingTo(timeouts.applyTo(url.connectOptions()))
        .using(vertx)
        .build();
  }
}
