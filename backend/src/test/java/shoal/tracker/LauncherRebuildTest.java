package shoal.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code ./shoal} launcher, copied into a scratch checkout. A whole Maven build inside the
 * suite would take minutes and rewrite the jars the suite is using, so {@code mvn} and {@code java}
 * on its PATH are scripts that record how they were called; a "build" touches the jars, as a real
 * one does. What is under test is the launcher's choice: build or not, and what it says.
 */
@Timeout(60)
@DisplayName("The ./shoal launcher")
class LauncherRebuildTest {

  private static final List<String> SOURCES = List.of(
      "common/src/main/java/shoal/common/Example.java", "backend/src/main/java/shoal/tracker/Example.java",
      "peer-node/src/main/java/shoal/peer/Example.java", "db/migrations/V1__example.sql",
      "webui/src/dashboard/main.ts", "webui/package.json", "webui/package-lock.json", "pom.xml",
      "common/pom.xml", "backend/pom.xml", "peer-node/pom.xml", "webui/pom.xml");
  private static final String TRACKER_JAR = "backend/target/shoal-tracker-fat.jar";
  private static final String PEER_JAR = "peer-node/target/shoal-peer-fat.jar";
  private static final Instant BUILT = Instant.now().minusSeconds(3600);

  @TempDir
  Path checkout;
  private Path calls;

  @BeforeEach
  void scratchCheckout() throws IOException {
    Files.copy(Path.of("..", "shoal"), checkout.resolve("shoal"), StandardCopyOption.COPY_ATTRIBUTES);
    for (String source : SOURCES) {
      write(source, "source", BUILT.minusSeconds(60));
    }
    write(TRACKER_JAR, "jar", BUILT);
    write(PEER_JAR, "jar", BUILT);
    calls = checkout.resolve("calls.log");
    Files.createFile(calls);
    tool("java", "echo \"java $*\" >> \"$CALLS\"");
    succeedingBuild();
  }

  @Test
  @DisplayName("runs the jars as they are when no source is newer, and says nothing")
  void upToDateJarsRunAsTheyAre() throws Exception {
    Run run = shoal("tracker", "--port", "0");

    assertThat(run.exitCode()).isZero();
    assertThat(run.stderr()).isEmpty();
    assertThat(calls()).containsExactly("java -XX:MaxTenuringThreshold=1 -jar " + checkout.resolve(TRACKER_JAR) + " --port 0");
  }

  @Test
  @DisplayName("rebuilds when a source is newer than the jars, saying which in one line, then runs the new jar; and not again")
  void rebuildsAfterASourceChanges() throws Exception {
    write("webui/src/dashboard/main.ts", "edited", Instant.now());

    Run first = shoal("peer", "--help");
    assertThat(first.exitCode()).isZero();
    assertThat(first.stderr()).isEqualTo("Rebuilding Shoal: webui/src/dashboard/main.ts changed since the last build...\n");
    assertThat(calls()).containsExactly("mvn -B -q -DskipTests package",
        "java -Dshoal.tracker.jar=" + checkout.resolve(TRACKER_JAR) + " -jar " + checkout.resolve(PEER_JAR) + " peer --help");

    Run second = shoal("peer", "--help");
    assertThat(second.stderr()).as("the second run, after the build").isEmpty();
    assertThat(calls()).filteredOn(call -> call.startsWith("mvn")).hasSize(1);
  }

  @Test
  @DisplayName("a change to either jar's sources counts: a migration or a pom is as much a source as Java code")
  void everySourceKindCounts() throws Exception {
    for (String source : List.of("db/migrations/V1__example.sql", "peer-node/pom.xml", "common/src/main/java/shoal/common/Example.java")) {
      write(source, "edited", Instant.now());
      assertThat(shoal("get", "--help").stderr()).isEqualTo("Rebuilding Shoal: " + source + " changed since the last build...\n");
    }
  }

  @Test
  @DisplayName("builds on the first run, when a jar is missing")
  void buildsWhenAJarIsMissing() throws Exception {
    Files.delete(checkout.resolve(PEER_JAR));

    Run run = shoal("demo");

    assertThat(run.stderr()).isEqualTo("Building Shoal (first run)...\n");
    assertThat(calls()).first().isEqualTo("mvn -B -q -DskipTests package");
  }

  @Test
  @DisplayName("a failed build stops it with a sentence and a non-zero exit, without running the old jar")
  void aFailedBuildStops() throws Exception {
    tool("mvn", "echo \"mvn $*\" >> \"$CALLS\"; echo '[ERROR] compilation failure'; exit 1");
    write("backend/src/main/java/shoal/tracker/Example.java", "broken", Instant.now());

    Run run = shoal("tracker");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stderr()).endsWith("shoal: the build failed; run 'mvn -B verify' to see why.\n");
    assertThat(calls()).containsExactly("mvn -B -q -DskipTests package");
  }

  /** A build that succeeds: it brings both jars up to date, as {@code mvn package} does. */
  private void succeedingBuild() throws IOException {
    tool("mvn", "echo \"mvn $*\" >> \"$CALLS\"; touch \"" + checkout.resolve(TRACKER_JAR) + "\" \"" + checkout.resolve(PEER_JAR) + "\"");
  }

  private void tool(String name, String script) throws IOException {
    Path tool = checkout.resolve("bin").resolve(name);
    Files.createDirectories(tool.getParent());
    Files.writeString(tool, "#!/bin/sh\n" + script + "\n");
    Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private void write(String path, String content, Instant modified) throws IOException {
    Path file = checkout.resolve(path);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
    Files.setLastModifiedTime(file, FileTime.from(modified));
  }

  private List<String> calls() throws IOException {
    return Files.readAllLines(calls);
  }

  private Run shoal(String... arguments) throws Exception {
    ProcessBuilder builder = new ProcessBuilder("bash", checkout.resolve("shoal").toString());
    builder.command().addAll(List.of(arguments));
    builder.environment().put("PATH", checkout.resolve("bin") + ":" + System.getenv("PATH"));
    builder.environment().put("CALLS", calls.toString());
    builder.environment().remove("SHOAL_JAVA_OPTS");
    Path stderr = Files.createTempFile(checkout, "stderr", ".txt");
    Process process = builder.redirectError(stderr.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("the launcher returns").isTrue();
    return new Run(process.exitValue(), Files.readString(stderr, StandardCharsets.UTF_8));
  }

  private record Run(int exitCode, String stderr) {}
}
