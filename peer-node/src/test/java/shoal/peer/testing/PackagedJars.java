package shoal.peer.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

/** The fat jars `mvn verify` packages before the integration tests run them as processes. */
public final class PackagedJars {

  private PackagedJars() {}

  /** This module's jar: {@code shoal peer|get|demo}. */
  public static Path peer() {
    Path jar = Path.of("target", "shoal-peer-fat.jar").toAbsolutePath();
    assertThat(jar).as("run after `package`").exists();
    return jar;
  }

  /** The tracker's fat jar, as the {@code ./shoal} launcher passes it; the build names it in {@code shoal.tracker.jar}. */
  public static Path tracker() {
    Path jar = Path.of(System.getProperty("shoal.tracker.jar", "../backend/target/shoal-tracker-fat.jar")).toAbsolutePath();
    assertThat(jar).as("the tracker is packaged first (mvn verify from the root)").exists();
    return jar;
  }
}
