package shoal.peer.control;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import shoal.common.http.ApiError;
import shoal.peer.PeerEvents;

/**
 * One control WebSocket: requests {@code {"id","op",…}} answered {@code {"id","ok","result"|"error"}},
 * and the node's events pushed as they happen.
 */
final class ControlSocket {

  private final ServerWebSocket socket;
  private final ControlService service;

  private ControlSocket(ServerWebSocket socket, ControlService service) {
    this.socket = socket;
    this.service = service;
  }

  /**
   * @param idleTimeout the control port's: the socket is pinged twice within it, so that a page
   *     left open with nothing happening is not taken for an idle connection and closed
   */
  static void serve(Vertx vertx, ServerWebSocket socket, ControlService service, Duration idleTimeout) {
    ControlSocket control = new ControlSocket(socket, service);
    MessageConsumer<JsonObject> events = vertx.eventBus().consumer(PeerEvents.ADDRESS,
        message -> socket.writeTextMessage(message.body().encode()));
    long pings = vertx.setPeriodic(Math.max(1, idleTimeout.toMillis() / 2), id -> socket.writePing(Buffer.buffer()));
    socket.textMessageHandler(control::answer);
    socket.closeHandler(v -> {
      vertx.cancelTimer(pings);
      events.unregister();
    });
  }

  private void answer(String text) {
    JsonObject request;
    try {
      request = new JsonObject(text);
    } catch (RuntimeException e) {
      reply(null, Future.failedFuture(ApiError.invalidRequest("A request is a JSON object {\"id\",\"op\",…}.")));
      return;
    }
    reply(request.getValue("id"), dispatch(request));
  }

  private Future<?> dispatch(JsonObject request) {
    try {
      String op = request.getString("op");
      return switch (op == null ? "" : op) {
        case "status" -> service.status();
        case "files" -> Future.succeededFuture(service.files());
        case "search" -> service.search(request.getString("q", ""), request.getInteger("limit", 100),
            request.getInteger("offset", 0));
        case "download" -> service.startDownload(request);
        case "cancel" -> service.cancel(request.getString("downloadId"));
        case "downloads" -> service.listDownloads();
        case "leave" -> service.leave();
        default -> Future.failedFuture(ApiError.invalidRequest(
            "'op' must be one of status, files, search, download, cancel, downloads, leave."));
      };
    } catch (ApiError e) {
      return Future.failedFuture(e);
    } catch (ClassCastException e) {
      return Future.failedFuture(ApiError.invalidRequest("A field of the request has the wrong type."));
    }
  }

  private void reply(Object id, Future<?> result) {
    result.onComplete(outcome -> {
      JsonObject answer = new JsonObject().put("id", id).put("ok", outcome.succeeded());
      if (outcome.succeeded()) {
        answer.put("result", outcome.result());
      } else {
        ApiError error = outcome.cause() instanceof ApiError apiError ? apiError
            : new ApiError(500, "internal_error", "Something went wrong on the node; it has been logged.");
        answer.put("error", new JsonObject().put("error", error.code()).put("message", error.getMessage()));
      }
      if (!socket.isClosed()) {
        socket.writeTextMessage(answer.encode());
      }
    });
  }
}
