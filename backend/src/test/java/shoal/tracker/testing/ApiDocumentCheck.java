package shoal.tracker.testing;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.OutputUnit;
import io.vertx.openapi.contract.MediaType;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import io.vertx.openapi.contract.Response;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Checks an answer against the OpenAPI document that describes it: the operation for the method and
 * path must exist, the status must be one of its documented answers, the headers it requires must
 * be there and the body must match the answer's schema. The test clients run every answer they
 * receive through it, so the document and the API cannot drift apart unnoticed.
 *
 * <p>A path or method the document does not describe may only be answered with the generic
 * refusals every path gives (404 {@code not_found}, 405 {@code method_not_allowed}, and the
 * refusals that run before routing: 401, 403, 408, 413, 415), in the error shape; a CORS
 * preflight ({@code OPTIONS}) with an empty 200 or 204. The SockJS bridge's session transports are
 * left unchecked.
 */
public final class ApiDocumentCheck {

  /**
   * Where the tracker's SockJS bridge keeps its sessions: their transports answer in SockJS's own
   * protocol (frames of text, JavaScript), which the document names but OpenAPI cannot describe.
   */
  private static final String SOCKJS_TRANSPORTS = "/eventbus/";

  private static final Map<String, ApiDocumentCheck> LOADED = new ConcurrentHashMap<>();

  private final String resource;
  private final OpenAPIContract contract;

  private ApiDocumentCheck(String resource, OpenAPIContract contract) {
    this.resource = resource;
    this.contract = contract;
  }

  /**
   * The check for the document at {@code resource} on the classpath ({@link OpenApiDocuments#TRACKER},
   * {@link OpenApiDocuments#PEER_CONTROL}), loaded and validated once per JVM.
   */
  public static ApiDocumentCheck of(String resource) {
    return LOADED.computeIfAbsent(resource, name -> new ApiDocumentCheck(name, OpenApiDocuments.contract(name)));
  }

  /**
   * Fails with an {@link AssertionError} saying what differs when the answer to {@code method
   * pathAndQuery} is not one the document describes.
   */
  public void check(HttpMethod method, String pathAndQuery, int status, MultiMap headers, Buffer body) {
    String path = pathAndQuery.split("\\?", 2)[0];
    String what = method + " " + path + " answered " + status;
    Operation operation = contract.findOperation(path, method == HttpMethod.HEAD ? HttpMethod.GET : method);
    if (operation == null && method == HttpMethod.OPTIONS && (status == 200 || status == 204)) {
      // A CORS preflight, answered for origins given with --allowed-origin: HTTP's machinery, not an operation.
      if (body != null && body.length() > 0) {
        throw new AssertionError(what + " with a body, which a preflight answer has not: " + text(body));
      }
      return;
    }
    if (operation == null && path.startsWith(SOCKJS_TRANSPORTS)) {
      return;
    }
    if (operation == null) {
      checkGenericRefusal(what, status, headers, body);
      return;
    }
    Response response = operation.getResponse(status);
    if (response == null) {
      response = operation.getDefaultResponse();
    }
    if (response == null) {
      throw new AssertionError(what + ", a status " + resource + " does not document for " + operation.getOperationId()
          + ": " + text(body));
    }
    for (Parameter header : response.getHeaders()) {
      String value = headers.get(header.getName());
      if (value == null && header.isRequired()) {
        throw new AssertionError(what + " without the header " + header.getName() + " that " + resource + " requires");
      }
      if (value != null) {
        expectValid(what + ", header " + header.getName(), headerValue(value, header), contract.getSchemaRepository()
            .validator(header.getSchema()).validate(headerValue(value, header)));
      }
    }
    if (response.getContent().isEmpty() || method == HttpMethod.HEAD) {
      return;
    }
    String mediaType = mediaType(headers.get("Content-Type"));
    MediaType documented = response.getContent().get(mediaType);
    if (documented == null) {
      throw new AssertionError(what + " with Content-Type " + headers.get("Content-Type") + "; " + resource
          + " documents " + response.getContent().keySet() + ": " + text(body));
    }
    if (documented.getSchema() != null) {
      Object value = decode(what, mediaType, body);
      expectValid(what, value, contract.getSchemaRepository().validator(documented.getSchema()).validate(value));
    }
  }

  /** What any path may answer before its route runs, or when there is no route for it. */
  private void checkGenericRefusal(String what, int status, MultiMap headers, Buffer body) {
    if (!java.util.Set.of(401, 403, 404, 405, 408, 413, 415).contains(status)) {
      throw new AssertionError(what + ", but " + resource + " documents no such operation: " + text(body));
    }
    Object error = decode(what, mediaType(headers.get("Content-Type")), body);
    if (!(error instanceof JsonObject json) || !(json.getValue("error") instanceof String)
        || !(json.getValue("message") instanceof String)) {
      throw new AssertionError(what + " without the error shape {\"error\",\"message\"}: " + text(body));
    }
  }

  private Object decode(String what, String mediaType, Buffer body) {
    if (mediaType.equals("text/plain")) {
      return text(body);
    }
    if (!mediaType.equals("application/json")) {
      throw new AssertionError(what + " with Content-Type " + mediaType + ", not JSON: " + text(body));
    }
    try {
      return Json.decodeValue(body == null ? Buffer.buffer() : body);
    } catch (RuntimeException e) {
      throw new AssertionError(what + " with a body that is not JSON: " + text(body), e);
    }
  }

  private void expectValid(String what, Object value, OutputUnit result) {
    if (!Boolean.TRUE.equals(result.getValid())) {
      String errors = result.getErrors() == null ? String.valueOf(result.getError()) : result.getErrors().stream()
          .map(error -> error.getInstanceLocation() + ": " + error.getError())
          .collect(Collectors.joining("; "));
      throw new AssertionError(what + " with a body that does not match " + resource + " (" + errors + "): " + value);
    }
  }

  private static Object headerValue(String value, Parameter header) {
    if ("integer".equals(header.getSchema().get("type"))) {
      try {
        return Long.parseLong(value.trim());
      } catch (NumberFormatException e) {
        return value;
      }
    }
    return value;
  }

  private static String mediaType(String contentType) {
    return contentType == null ? "(none)" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
  }

  private static String text(Buffer body) {
    if (body == null) {
      return "(no body)";
    }
    String text = body.toString();
    return text.length() > 500 ? text.substring(0, 500) + "…" : text;
  }
}
