package shoal.tracker.db;

import org.flywaydb.core.Flyway;

/** Brings a database's schema up to date with {@code db/migrations}, the same way everywhere. */
public final class Migrations {

  private Migrations() {}

  public static void apply(DatabaseUrl url) {
    Flyway.configure()
        .dataSource(url.jdbcUrl(), url.user(), url.password())
        .locations("classpath:db/migrations")
        .connectRetries(5)
        .load()
        .migrate();
  }
}
