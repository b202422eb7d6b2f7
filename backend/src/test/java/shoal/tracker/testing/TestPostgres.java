package shoal.tracker.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;
import shoal.tracker.db.DatabaseUrl;
import shoal.tracker.db.EmbeddedDatabase;
import shoal.tracker.db.Migrations;

/**
 * One real PostgreSQL per test JVM — a Testcontainers one where Docker answers, the embedded one
 * otherwise — holding a template database migrated once by the production migrations. Each test
 * class takes a fresh copy of it ({@code CREATE DATABASE … TEMPLATE}), so classes never see each
 * other's rows and the suite stays quick.
 */
public final class TestPostgres {

  private static final String TEMPLATE = "shoal_template";
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static DatabaseUrl server;

  private TestPostgres() {}

  /** A freshly migrated, empty database of its own, as a {@code postgresql://} URL. */
  public static synchronized String newDatabase() {
    DatabaseUrl admin = server();
    String name = "shoal_test_" + DATABASES.incrementAndGet();
    execute(admin, "CREATE DATABASE " + name + " TEMPLATE " + TEMPLATE);
    return new DatabaseUrl(admin.host(), admin.port(), name, admin.user(), admin.password()).toUrl();
  }

  /** A blank database of its own, no migration applied: for tests of the migrations themselves. */
  public static synchronized DatabaseUrl newBlankDatabase() {
    DatabaseUrl admin = server();
    String name = "shoal_blank_" + DATABASES.incrementAndGet();
    execute(admin, "CREATE DATABASE " + name);
    return new DatabaseUrl(admin.host(), admin.port(), name, admin.user(), admin.password());
  }

  private static DatabaseUrl server() {
    if (server == null) {
      DatabaseUrl admin = startServer();
      execute(admin, "CREATE DATABASE " + TEMPLATE);
      DatabaseUrl template = new DatabaseUrl(admin.host(), admin.port(), TEMPLATE, admin.user(), admin.password());
      Migrations.apply(template);
      server = admin;
    }
    return server;
  }

  private static DatabaseUrl startServer() {
    if (dockerAnswers()) {
      PostgreSQLContainer<?> container = new PostgreSQLContainer<>("postgres:17-alpine");
      container.start();
      Runtime.getRuntime().addShutdownHook(new Thread(container::stop));
      return new DatabaseUrl(container.getHost(), container.getFirstMappedPort(), container.getDatabaseName(),
          container.getUsername(), container.getPassword());
    }
    try {
      Path dataDir = Files.createTempDirectory("shoal-test-pg");
      EmbeddedDatabase embedded = EmbeddedDatabase.start(dataDir.resolve("pg"), 0);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        embedded.close();
        deleteTree(dataDir);
      }));
      return embedded.url();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void deleteTree(Path root) {
    try (var paths = Files.walk(root)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (java.io.IOException e) {
      // a temporary directory left behind is harmless
    }
  }

  private static boolean dockerAnswers() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  /** Runs one statement outside a transaction (CREATE DATABASE needs that). */
  public static void execute(DatabaseUrl url, String sql) {
    try (Connection connection = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException("'" + sql + "' failed: " + e.getMessage(), e);
    }
  }
}
