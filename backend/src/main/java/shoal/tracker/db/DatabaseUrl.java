package shoal.tracker.db;

import io.vertx.pgclient.PgConnectOptions;

/**
 * Where the registry lives, read from a {@code postgresql://user:pass@host:port/db} URL. The
 * tracker talks to it twice: Flyway over JDBC at start-up, the reactive pool afterwards.
 */
public record DatabaseUrl(String host, int port, String database, String user, String password) {

  public static DatabaseUrl parse(String url) {
    if (url == null || !(url.startsWith("postgresql://") || url.startsWith("postgres://"))) {
      throw new IllegalArgumentException(
          "the database URL must look like postgresql://user:pass@host:5432/db, not '" + url + "'");
    }
    PgConnectOptions options;
    try {
      options = PgConnectOptions.fromUri(url);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("cannot read the database URL '" + url + "': " + e.getMessage(), e);
    }
    return new DatabaseUrl(
        options.getHost(), options.getPort(), options.getDatabase(), options.getUser(), options.getPassword());
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://" + host + ":" + port + "/" + database;
  }

  public PgConnectOptions connectOptions() {
    return new PgConnectOptions()
        .setHost(host)
        .setPort(port)
        .setDatabase(database)
        .setUser(user)
        .setPassword(password)
        .setCachePreparedStatements(true);
  }

  public String toUrl() {
    return "postgresql://" + user + (password == null ? "" : ":" + password) + "@" + host + ":" + port + "/" + database;
  }

  @Override
  public String toString() {
    return "postgresql://" + user + "@" + host + ":" + port + "/" + database;
  }
}
