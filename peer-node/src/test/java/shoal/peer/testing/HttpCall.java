package shoal.peer.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * One HTTP request made from another network namespace: a test's own JVM cannot enter one, so it
 * runs this class there ({@link #in}) and reads the answer from its output, the status on the first
 * line and the body after it.
 */
public final class HttpCall {

  /** An answer: its status and body. */
  public record Answer(int status, String body) {}

  private HttpCall() {}

  /**
   * {@code METHOD URL [JSON body]} with {@code Authorization: Bearer TOKEN} when {@code token} is not
   * null, run through {@code host} (such as {@link TwoHosts#inSecond}); 60 s at most.
   */
  public static Answer in(UnaryOperator<List<String>> host, String method, String url, String token,
      String body) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", System.getProperty("java.class.path"),
        HttpCall.class.getName(), method, url, token == null ? "" : token));
    if (body != null) {
      command.add(body);
    }
    Process process = new ProcessBuilder(host.apply(command)).redirectErrorStream(true).start();
    BlockingQueue<String> lines = ProcessLines.of(process);
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException(method + " " + url + " did not finish within 60 s");
    }
    StringBuilder output = new StringBuilder();
    // The reader thread may still be handing over the last lines.
    for (String line = lines.poll(5, TimeUnit.SECONDS); line != null; line = lines.poll(200, TimeUnit.MILLISECONDS)) {
      output.append(line).append('\n');
    }
    String text = output.toString();
    int newline = text.indexOf('\n');
    if (process.exitValue() != 0 || newline < 0) {
      throw new IllegalStateException(method + " " + url + " failed (exit " + process.exitValue() + "): " + text.trim());
    }
    return new Answer(Integer.parseInt(text.substring(0, newline).trim()), text.substring(newline + 1).trim());
  }

  /** Run inside the namespace: makes the request and prints the status, then the body. */
  public static void main(String[] args) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(args[1])).timeout(Duration.ofSeconds(20));
    if (!args[2].isEmpty()) {
      request.header("Authorization", "Bearer " + args[2]);
    }
    if (args.length > 3) {
      request.header("Content-Type", "application/json").method(args[0], HttpRequest.BodyPublishers.ofString(args[3]));
    } else {
      request.method(args[0], HttpRequest.BodyPublishers.noBody());
    }
    HttpResponse<String> response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()
        .send(request.build(), HttpResponse.BodyHandlers.ofString());
    System.out.println(response.statusCode());
    System.out.println(response.body());
  }
}
