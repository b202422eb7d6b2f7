package shoal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * docker-compose.yml, read as Compose would read it. No Docker engine runs here, so the file is
 * checked against what it names: the commands and options it sets exist, its services point at
 * each other by the names and credentials they really have, and each image is built from the jar
 * the Maven build makes.
 */
@DisplayName("docker-compose.yml")
class ComposeFileTest {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Pattern SHADED_JAR = Pattern.compile("<outputFile>\\$\\{project\\.build\\.directory}/([^<]+)</outputFile>");
  private static final Pattern COPIED_JAR = Pattern.compile("(?m)^COPY (target/\\S+) (\\S+)$");

  private final Map<String, Object> services = section(load(), "services");

  @Test
  @DisplayName("runs PostgreSQL, the tracker and two peers, and the peers can be scaled")
  void runsTheWholeNetwork() {
    assertThat(services).containsOnlyKeys("postgres", "tracker", "peer");
    Map<String, Object> peer = section(services, "peer");
    assertThat(section(peer, "deploy")).containsEntry("replicas", 2);
    // --scale makes copies of one service: a fixed container name or host port would clash.
    assertThat(peer).doesNotContainKeys("container_name", "ports");
    assertThat(section(section(peer, "depends_on"), "tracker")).containsEntry("condition", "service_healthy");
    assertThat(section(section(section(services, "tracker"), "depends_on"), "postgres"))
        .containsEntry("condition", "service_healthy");
  }

  @Test
  @DisplayName("every SHOAL_ variable it sets, and every option it passes, is an option of the command it starts")
  void setsOnlyRealOptions() {
    CommandSpec tracker = new CommandLine(new shoal.tracker.Main()).getCommandSpec();
    CommandSpec peer = new CommandLine(new Main()).getSubcommands().get(peerSubcommand()).getCommandSpec();

    assertOptionsExist(environment("tracker"), tracker);
    assertOptionsExist(environment("peer"), peer);
    assertThat(environment("peer")).containsKeys("SHOAL_TRACKER", "SHOAL_SHARE");
    String options = peerCommand().substring(peerCommand().indexOf(" " + peerSubcommand() + " ") + 1);
    for (String word : options.split("\\s+")) {
      if (word.startsWith("--")) {
        assertThat(peer.findOption(word)).as("%s in the peer's command", word).isNotNull();
      }
    }
  }

  @Test
  @DisplayName("the peers find the tracker, and the tracker its database, by the names and credentials they have")
  void servicesPointAtEachOther() {
    Map<String, String> tracker = environment("tracker");
    Map<String, String> postgres = environment("postgres");

    URI trackerUrl = URI.create(environment("peer").get("SHOAL_TRACKER"));
    assertThat(trackerUrl.getHost()).isEqualTo("tracker");
    assertThat(trackerUrl.getPort()).isEqualTo(Integer.parseInt(tracker.get("SHOAL_PORT")));
    assertThat(tracker.get("SHOAL_HOST")).as("the tracker listens beyond its container").isEqualTo("0.0.0.0");

    URI database = URI.create(tracker.get("SHOAL_DB_URL"));
    assertThat(database.getHost()).isEqualTo("postgres");
    assertThat(database.getUserInfo()).isEqualTo(postgres.get("POSTGRES_USER") + ":" + postgres.get("POSTGRES_PASSWORD"));
    assertThat(database.getPath()).isEqualTo("/" + postgres.get("POSTGRES_DB"));
  }

  @Test
  @DisplayName("each image is built from the jar its module's build makes, and the peer runs that jar")
  void imagesAreBuiltFromTheMavenJars() throws IOException {
    assertThat(copiedJar("tracker")).isEqualTo("target/" + shadedJar("backend"));
    assertThat(copiedJar("peer")).isEqualTo("target/" + shadedJar("peer-node"));
    assertThat(peerCommand()).contains("java -jar " + jarInImage("peer") + " " + peerSubcommand());
  }

  private static Map<String, Object> load() {
    try {
      return new Yaml().load(Files.readString(ROOT.resolve("docker-compose.yml")));
    } catch (IOException e) {
      throw new AssertionError("docker-compose.yml cannot be read", e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> section(Map<String, Object> parent, String key) {
    assertThat(parent).containsKey(key);
    return (Map<String, Object>) parent.get(key);
  }

  @SuppressWarnings("unchecked")
  private Map<String, String> environment(String service) {
    return (Map<String, String>) (Map<String, ?>) section(section(services, service), "environment");
  }

  private static void assertOptionsExist(Map<String, String> environment, CommandSpec command) {
    environment.keySet().stream().filter(name -> name.startsWith("SHOAL_")).forEach(name -> {
      String option = "--" + name.substring("SHOAL_".length()).toLowerCase().replace('_', '-');
      assertThat(command.findOption(option)).as("%s is read as %s by %s", name, option, command.name()).isNotNull();
    });
  }

  /** The peer service's shell command, ending in {@code java -jar JAR SUBCOMMAND OPTIONS}. */
  private String peerCommand() {
    @SuppressWarnings("unchecked")
    List<String> command = (List<String>) section(services, "peer").get("command");
    assertThat(command).hasSize(1);
    return command.get(0).strip();
  }

  /** The word after the jar in the peer's command. */
  private String peerSubcommand() {
    String[] words = peerCommand().split("\\s+");
    for (int i = 0; i + 1 < words.length; i++) {
      if (words[i].endsWith(".jar")) {
        return words[i + 1];
      }
    }
    throw new AssertionError("the peer's command runs no jar: " + peerCommand());
  }

  private String copiedJar(String service) throws IOException {
    return copyLine(service).group(1);
  }

  private String jarInImage(String service) throws IOException {
    String destination = copyLine(service).group(2);
    String workdir = dockerfile(service).lines().filter(line -> line.startsWith("WORKDIR "))
        .map(line -> line.substring("WORKDIR ".length()).strip()).findFirst().orElse("/");
    return destination.startsWith("/") ? destination : workdir + "/" + destination;
  }

  private Matcher copyLine(String service) throws IOException {
    Matcher copy = COPIED_JAR.matcher(dockerfile(service));
    assertThat(copy.find()).as("the %s image copies a jar from target/", service).isTrue();
    return copy;
  }

  private String dockerfile(String service) throws IOException {
    Path context = ROOT.resolve((String) section(services, service).get("build"));
    return Files.readString(context.resolve("Dockerfile"));
  }

  private static String shadedJar(String module) throws IOException {
    Matcher jar = SHADED_JAR.matcher(Files.readString(ROOT.resolve(module).resolve("pom.xml")));
    assertThat(jar.find()).as("%s's pom names its shaded jar", module).isTrue();
    return jar.group(1);
  }
}
