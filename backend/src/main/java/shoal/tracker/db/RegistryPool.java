package shoal.tracker.db;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.concurrent.TimeUnit;

/** The reactive connection pool to the registry, one per tracker process, shared by its verticles. */
public final class RegistryPool {

  private static final String NAME = "shoal-registry";

  private RegistryPool() {}

  /**
   * The process's pool; verticle instances calling this share one, which closes with the last of
   * them. A request never waits more than a few seconds for a connection: with the database down
   * it fails (503) instead of hanging.
   */
  public static Pool create(Vertx vertx, DatabaseUrl url) {
    return PgBuilder.pool()
        .with(new PoolOptions()
            .setShared(true)
            .setName(NAME)
            .setMaxSize(16)
            .setConnectionTimeout(5)
            .setConnectionTimeoutUnit(TimeUnit.SECONDS))
        .with(new NetClientOptions().setConnectTimeout(5_000))
        .connectingTo(url.connectOptions())
        .using(vertx)
        .build();
  }
}
