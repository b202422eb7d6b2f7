package shoal.tracker.testing;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.UUID;

/**
 * A client of the bridge's XHR polling transport — what the browser's SockJS client falls back to
 * when no WebSocket gets through — over real HTTP: {@code POST …/xhr} opens the session and then
 * polls it, {@code POST …/xhr_send} sends frames. A session whose next poll does not come within
 * 5 s is closed by the tracker, so a test keeps polling once it has opened one.
 */
public final class XhrPollingSession {

  private final TrackerApi api;
  private final String id = UUID.randomUUID().toString().replace("-", "");

  public XhrPollingSession(TrackerApi api) {
    this.api = api;
  }

  /** The session's id, the second segment of its paths {@code /eventbus/{server}/{session}/{transport}}. */
  public String id() {
    return id;
  }

  /**
   * Opens the session and registers for {@code address}; completes once the bridge has taken the
   * registration, which it does not acknowledge: a frame it refuses, sent after it, marks the point
   * (as {@link BridgeSocket#listenTo} does).
   */
  public Future<Void> listenTo(String address) {
    JsonArray frames = new JsonArray()
        .add(new JsonObject().put("type", "register").put("address", address).encode())
        .add(new JsonObject().put("type", "send").put("address", address).put("body", new JsonObject()).encode());
    return post("xhr", null).compose(open -> "o\n".equals(open.bodyAsString())
            ? post("xhr_send", Buffer.buffer(frames.encode()))
            : failed("its open frame, not " + open.statusCode() + " " + open.bodyAsString()))
        .compose(send -> send.statusCode() == 204
            ? pollUntil("access_denied", Duration.ofSeconds(10))
            : failed("204 to its frames, not " + send.statusCode() + " " + send.bodyAsString()));
  }

  /** Polls until a delivered frame holds {@code text}; fails on any other answer than 200, or after {@code within}. */
  public Future<Void> pollUntil(String text, Duration within) {
    return pollUntil(text, System.nanoTime() + within.toNanos());
  }

  private Future<Void> pollUntil(String text, long deadlineNanos) {
    return post("xhr", null).compose(poll -> {
      if (poll.statusCode() != 200) {
        return failed("200 to a poll, not " + poll.statusCode() + " " + poll.bodyAsString());
      }
      if (poll.bodyAsString().contains(text)) {
        return Future.succeededFuture();
      }
      return System.nanoTime() < deadlineNanos ? pollUntil(text, deadlineNanos) : failed("a frame holding " + text + " in time");
    });
  }

  private Future<io.vertx.ext.web.client.HttpResponse<Buffer>> post(String transport, Buffer body) {
    return api.sendAsync(HttpMethod.POST, "/eventbus/000/" + id + "/" + transport, null, body);
  }

  private <T> Future<T> failed(String expected) {
    return Future.failedFuture(new AssertionError("SockJS session " + id + " expected " + expected));
  }
}
