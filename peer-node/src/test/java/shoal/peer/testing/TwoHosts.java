package shoal.peer.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Two "machines" on one: two network namespaces joined by a veth pair, {@value #FIRST_IP}/24 in
 * the first and {@value #SECOND_IP}/24 in the second, each with its own loopback up. A process
 * started through {@link #inFirst} or {@link #inSecond} ({@code ip netns exec}, which then
 * {@code exec}s it, so its pid is the program's) sees only its namespace's interfaces: the other
 * machine is really another address. Names carry this JVM's pid, so parallel runs never meet.
 * Needs root; {@link #create()} says so plainly otherwise. {@link #close()} removes both
 * namespaces, and the veth pair with them.
 */
public final class TwoHosts implements AutoCloseable {

  public static final String FIRST_IP = "10.231.7.1";
  public static final String SECOND_IP = "10.231.7.2";

  private final String first;
  private final String second;
  private final List<String> created = new ArrayList<>();

  private TwoHosts(String first, String second) {
    this.first = first;
    this.second = second;
  }

  /** Makes both namespaces and the link; anything made before a failure is removed again. */
  public static TwoHosts create() throws Exception {
    String uid = run("id", "-u").trim();
    if (!uid.equals("0")) {
      throw new IllegalStateException("This test makes network namespaces with `ip netns`, which needs root (CI runs "
          + "as root); it runs as uid " + uid + ". Run it as root, e.g. `sudo mvn -B verify`.");
    }
    long pid = ProcessHandle.current().pid();
    TwoHosts hosts = new TwoHosts("shoal-a-" + pid, "shoal-b-" + pid);
    try {
      hosts.build(pid);
      return hosts;
    } catch (Exception | Error e) {
      hosts.close();
      throw e;
    }
  }

  private void build(long pid) throws Exception {
    for (String namespace : List.of(first, second)) {
      run("ip", "netns", "add", namespace);
      created.add(namespace);
      run("ip", "-n", namespace, "link", "set", "lo", "up");
    }
    // Interface names are at most 15 characters; each end lives in its namespace from the start.
    String firstEnd = "shva" + pid;
    String secondEnd = "shvb" + pid;
    run("ip", "link", "add", firstEnd, "netns", first, "type", "veth", "peer", "name", secondEnd, "netns", second);
    run("ip", "-n", first, "addr", "add", FIRST_IP + "/24", "dev", firstEnd);
    run("ip", "-n", second, "addr", "add", SECOND_IP + "/24", "dev", secondEnd);
    run("ip", "-n", first, "link", "set", firstEnd, "up");
    run("ip", "-n", second, "link", "set", secondEnd, "up");
  }

  /** {@code command} as run on the first machine (the tracker's). */
  public List<String> inFirst(List<String> command) {
    return in(first, command);
  }

  /** {@code command} as run on the second machine. */
  public List<String> inSecond(List<String> command) {
    return in(second, command);
  }

  private static List<String> in(String namespace, List<String> command) {
    List<String> wrapped = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
    wrapped.addAll(command);
    return wrapped;
  }

  /**
   * Removes both namespaces; the veth pair goes with them. A namespace that a process still runs
   * in lives on until it ends, so callers stop their processes first.
   */
  @Override
  public void close() throws Exception {
    List<String> failures = new ArrayList<>();
    for (String namespace : created) {
      try {
        run("ip", "netns", "delete", namespace);
      } catch (IllegalStateException e) {
        failures.add(e.getMessage());
      }
    }
    created.clear();
    if (!failures.isEmpty()) {
      throw new IllegalStateException(String.join("; ", failures));
    }
  }

  /** Runs {@code command} to its end (10 s at most) and answers its output; a non-zero exit is an exception. */
  private static String run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException(String.join(" ", command) + " did not finish within 10 s");
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed (exit " + process.exitValue() + "): " + output.trim());
    }
    return output;
  }
}
