package shoal.tracker;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import shoal.common.http.ConnectionCap;
import shoal.tracker.access.RateLimits;
import shoal.tracker.db.DatabaseUrl;
import shoal.tracker.db.EmbeddedDatabase;
import shoal.tracker.db.Migrations;
import shoal.tracker.events.EventRelay;
import shoal.tracker.http.TrackerVerticle;
import shoal.tracker.metrics.TrackerMetrics;
import shoal.tracker.readmodel.MemoryReadModel;
import shoal.tracker.readmodel.ReadModelVerticle;
import shoal.tracker.registry.CatalogueSweeper;
import shoal.tracker.registry.LivenessSweeper;
import shoal.tracker.registry.StatisticsKeeper;
import shoal.tracker.registry.TransferPruner;

/**
 * A running tracker: its database (embedded unless a URL was given), migrated; a Vert.x instance
 * with Prometheus metrics; the HTTP verticles, the read model they answer lookups and searches
 * from, the event relay and the sweeps (expired peers,
 * unheld catalogue entries, finished transfers past their retention). Started by {@code Main}
 * and, the same way, by the tests.
 */
public final class Tracker implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Tracker.class);

  private final Vertx vertx;
  private final EmbeddedDatabase embedded;
  private final TrackerConfig config;
  private final String serversDeployment;
  private final int port;

  private Tracker(Vertx vertx, EmbeddedDatabase embedded, TrackerConfig config, String serversDeployment, int port) {
    this.vertx = vertx;
    this.embedded = embedded;
    this.config = config;
    this.serversDeployment = serversDeployment;
    this.port = port;
  }

  /** Starts a tracker and returns once it listens. Blocks: call it from a plain thread. */
  public static Tracker start(TrackerConfig config) {
    EmbeddedDatabase embedded = null;
    if (config.usesEmbeddedDatabase()) {
      embedded = EmbeddedDatabase.start(config.dataDir().resolve("pg"), 0);
      config = config.withDbUrl(embedded.url().toUrl());
    }
    Vertx vertx = null;
    try {
      Migrations.apply(DatabaseUrl.parse(config.dbUrl()));
      PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      vertx = Vertx.builder()
          .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions()
              .setEnabled(true)
              .setJvmMetricsEnabled(true)
              .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))))
          .withMetrics(new MicrometerMetricsFactory(metrics))
          .build();
      List<TrackerVerticle> servers = new CopyOnWriteArrayList<>();
      ConnectionCap connections = new ConnectionCap(config.maxConnections());
      RateLimits rateLimits = new RateLimits(config.access());
      DeploymentOptions deployment = new DeploymentOptions().setConfig(config.toJson());
      vertx.deployVerticle(EventRelay::new, deployment).await(30, TimeUnit.SECONDS);
      MemoryReadModel readModel = new MemoryReadModel();
      TrackerMetrics counters = TrackerMetrics.register(metrics, readModel);
      vertx.deployVerticle(new ReadModelVerticle(readModel), deployment).await(30, TimeUnit.SECONDS);
      vertx.deployVerticle(() -> new LivenessSweeper(counters), deployment).await(30, TimeUnit.SECONDS);
      vertx.deployVerticle(CatalogueSweeper::new, deployment).await(30, TimeUnit.SECONDS);
      vertx.deployVerticle(TransferPruner::new, deployment).await(30, TimeUnit.SECONDS);
      vertx.deployVerticle(StatisticsKeeper::new, deployment).await(30, TimeUnit.SECONDS);
      String serversDeployment = vertx.deployVerticle(() -> {
            TrackerVerticle server = new TrackerVerticle(metrics, connections, rateLimits, readModel, counters);
            servers.add(server);
            return server;
          }, new DeploymentOptions(deployment).setInstances(Runtime.getRuntime().availableProcessors()))
          .await(30, TimeUnit.SECONDS);
      return new Tracker(vertx, embedded, config, serversDeployment, servers.get(0).actualPort());
    } catch (RuntimeException | TimeoutException e) {
      if (vertx != null) {
        vertx.close();
      }
      if (embedded != null) {
        embedded.close();
      }
      throw e instanceof RuntimeException runtime ? runtime
          : new IllegalStateException("the tracker did not start within 30 s", e);
    }
  }

  public int port() {
    return port;
  }

  /** The base URL clients use, e.g. {@code http://127.0.0.1:8080}. */
  public String url() {
    String host = "0.0.0.0".equals(config.host()) || "::".equals(config.host()) ? "127.0.0.1" : config.host();
    return "http://" + host + ":" + port;
  }

  public TrackerConfig config() {
    return config;
  }

  /**
   * Stops taking requests and lets those in flight finish, then stops the rest, then the embedded
   * database if there is one — so no request ever meets a closed pool.
   */
  @Override
  public void close() {
    try {
      vertx.undeploy(serversDeployment).await(30, TimeUnit.SECONDS);
      vertx.close().await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("the tracker did not stop cleanly: {}", e.getMessage());
    }
    if (embedded != null) {
      embedded.close();
    }
  }
}
