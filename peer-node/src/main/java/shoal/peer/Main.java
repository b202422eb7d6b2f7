package shoal.peer;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import shoal.peer.cli.GetCommand;
import shoal.peer.cli.PeerCommand;
import shoal.peer.demo.DemoCommand;

/** {@code shoal peer|get|demo}: the peer node's jar, dispatched to by the {@code ./shoal} launcher. */
@Command(
    name = "shoal",
    mixinStandardHelpOptions = true,
    description = "Shoal peer-to-peer file sharing: a peer node, a one-shot download, or the demo network.",
    subcommands = {PeerCommand.class, GetCommand.class, DemoCommand.class})
public final class Main implements Runnable {

  private static volatile boolean serving;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Name a command: peer, get or demo.");
  }

  /** Called by a command that keeps running after it returns: {@code main} then leaves the JVM to it. */
  public static void keepRunning() {
    serving = true;
  }

  public static void main(String[] args) {
    int exitCode = new CommandLine(new Main()).execute(args);
    // A server command returns 0 and its threads keep the JVM alive until it stops; others exit here.
    if (exitCode != 0 || !serving) {
      System.exit(exitCode);
    }
  }
}
