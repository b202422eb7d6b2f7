package shoal.peer.cli;

import java.io.Console;
import java.lang.reflect.Method;

/**
 * Whether standard output is a terminal that a progress bar may redraw in place with {@code \r},
 * or a file or pipe that should get plain lines. Decided here and nowhere else, so that a test can
 * run {@code get} as either.
 */
@FunctionalInterface
public interface Terminal {

  /** This process's own standard output. */
  Terminal SYSTEM = Terminal::systemIsTerminal;

  boolean isTerminal();

  /**
   * Up to JDK 21, {@link System#console()} is non-null only when standard input and output are both
   * a terminal. From JDK 22 it is non-null on a pipe as well, and {@code Console.isTerminal()} (new
   * in 22, hence called by reflection from this JDK 17 code) tells the two apart.
   */
  private static boolean systemIsTerminal() {
    Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      Method isTerminal = Console.class.getMethod("isTerminal");
      return (Boolean) isTerminal.invoke(console);
    } catch (NoSuchMethodException e) {
      return true;
    } catch (ReflectiveOperationException e) {
      return false;
    }
  }
}
