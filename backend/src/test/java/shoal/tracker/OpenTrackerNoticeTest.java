package shoal.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;
import shoal.tracker.testing.TestPostgres;
import shoal.tracker.testing.TrackerApi;

/** {@code shoal tracker} run as a user runs it: what it prints at start about who may join. */
@ExtendWith(VertxExtension.class)
@Timeout(120)
@DisplayName("The tracker says at start when anyone may join")
class OpenTrackerNoticeTest {

  private static final Pattern LISTENING = Pattern.compile("listening on http://\\S+:(\\d+)");

  @Test
  @DisplayName("without --join-key, listening beyond loopback, it prints one line saying it is open; with a key, none")
  void openTrackerSaysSoInOneLine(Vertx vertx) {
    Run open = run("--host", "0.0.0.0");
    try {
      assertThat(open.err.lines().filter(line -> line.startsWith("open tracker:")).toList()).singleElement()
          .asString().contains("--join-key");
      assertThat(open.out).contains("listening on http://0.0.0.0:");
    } finally {
      open.main.stop();
    }

    Run keyed = run("--host", "0.0.0.0", "--join-key", "s3cret-key-for-test");
    try {
      assertThat(keyed.err).doesNotContain("open tracker").doesNotContain("s3cret-key-for-test");
      assertThat(keyed.out).doesNotContain("s3cret-key-for-test");
      HttpResponse<Buffer> refused = new TrackerApi(vertx, "http://127.0.0.1:" + keyed.port()).send(HttpMethod.POST,
          "/api/v1/peers", null, new JsonObject().put("name", "n").put("address", "http://127.0.0.1:7001"));
      assertThat(refused.statusCode()).isEqualTo(401);
    } finally {
      keyed.main.stop();
    }
  }

  @Test
  @DisplayName("on loopback only it says nothing: no one else can reach it")
  void loopbackStaysQuiet() {
    Run loopback = run("--host", "127.0.0.1");
    try {
      assertThat(loopback.err).doesNotContain("open tracker");
      assertThat(loopback.out).contains("listening on http://127.0.0.1:");
    } finally {
      loopback.main.stop();
    }
  }

  private record Run(Main main, String out, String err) {
    int port() {
      Matcher m = LISTENING.matcher(out);
      assertThat(m.find()).as(out).isTrue();
      return Integer.parseInt(m.group(1));
    }
  }

  private static Run run(String... hostAndMore) {
    Main main = new Main();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] args = new String[hostAndMore.length + 4];
    System.arraycopy(hostAndMore, 0, args, 0, hostAndMore.length);
    args[hostAndMore.length] = "--port";
    args[hostAndMore.length + 1] = "0";
    args[hostAndMore.length + 2] = "--db-url";
    args[hostAndMore.length + 3] = TestPostgres.newDatabase();
    int exit = new CommandLine(main).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
    assertThat(exit).as(err.toString()).isZero();
    return new Run(main, out.toString(), err.toString());
  }
}
