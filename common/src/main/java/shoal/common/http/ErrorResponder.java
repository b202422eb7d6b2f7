package shoal.common.http;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one failure handler of a router: every failure, whoever raised it, leaves as the contract's
 * JSON error shape. Server-side faults are logged; their details never reach the client.
 */
public final class ErrorResponder implements Handler<RoutingContext> {

  private static final Logger LOG = LoggerFactory.getLogger(ErrorResponder.class);

  private static final ApiError UNAVAILABLE =
      new ApiError(503, "unavailable", "The service cannot reach its database right now. Please try again shortly.");

  private final Function<Throwable, ApiError> backingServiceFailures;

  /**
   * @param isUnavailable tells which failures mean a backing service (the database) is out of
   *     reach: those answer 503 so that clients retry, instead of 500.
   */
  public ErrorResponder(Predicate<Throwable> isUnavailable) {
    this.backingServiceFailures = failure -> isUnavailable.test(failure) ? UNAVAILABLE : null;
  }

  private ErrorResponder(Function<Throwable, ApiError> backingServiceFailures) {
    this.backingServiceFailures = backingServiceFailures;
  }

  /**
   * @param backingServiceFailures the answer for a failure of a backing service (the database out
   *     of reach, or too busy to answer in time), saying why in its sentence; {@code null} for any
   *     other failure, which is a bug (500)
   */
  public static ErrorResponder explaining(Function<Throwable, ApiError> backingServiceFailures) {
    return new ErrorResponder(backingServiceFailures);
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerResponse response = ctx.response();
    if (response.headWritten()) {
      LOG.warn("{} {} failed after the response started", ctx.request().method(), ctx.normalizedPath(), loggable(ctx));
      response.reset();
      return;
    }
    ApiError error = toApiError(ctx);
    if (error.status() == 503) {
      // An outage, not a bug: one line per request, no stack trace.
      // The failure as text: SLF4J would take a Throwable in last place for a stack trace to print.
      LOG.warn("{} {} answered 503: {}", ctx.request().method(), ctx.normalizedPath(), String.valueOf(loggable(ctx)));
      response.putHeader("Retry-After", "5");
    } else if (error.status() >= 500) {
      LOG.error("{} {} answered {}", ctx.request().method(), ctx.normalizedPath(), error.status(), loggable(ctx));
    }
    send(response, error);
  }

  /**
   * The failure as it may be logged. Only the path is logged, never the URI, since the query may
   * hold a token; and a failure quoting the request's credentials is logged with them redacted.
   */
  private static Throwable loggable(RoutingContext ctx) {
    return RedactedFailure.of(ctx.failure(), ctx.request());
  }

  /** Writes {@code error} as the contract's JSON error shape; completes once the response is written. */
  public static Future<Void> send(HttpServerResponse response, ApiError error) {
    return response
        .setStatusCode(error.status())
        .putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", error.code()).put("message", error.getMessage()).encode());
  }

  private ApiError toApiError(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure instanceof ApiError apiError) {
      return apiError;
    }
    if (failure instanceof HttpException http) {
      return fromStatus(http.getStatusCode());
    }
    ApiError backingServiceFailure = failure == null ? null : backingServiceFailures.apply(failure);
    if (backingServiceFailure != null) {
      return backingServiceFailure;
    }
    // Vert.x's own handlers fail with a status and an exception of theirs (ctx.fail(403, e), ctx.fail(400, e)):
    // the status is the answer, the exception's text is not for the client. An exception alone is our fault.
    int status = ctx.statusCode();
    return fromStatus(status >= 400 && status < 500 ? status : failure == null ? status : 500);
  }

  private static ApiError fromStatus(int status) {
    return switch (status) {
      case 400 -> ApiError.invalidRequest("The request is malformed.");
      case 401 -> ApiError.unauthorized("This call needs a bearer token.");
      case 403 -> ApiError.forbidden("This call is not allowed.");
      case 404 -> ApiError.notFound("not_found", "There is nothing at this path.");
      case 405 -> new ApiError(405, "method_not_allowed", "This path does not take that method.");
      case 406 -> new ApiError(406, "not_acceptable", "This path answers only in a format the request does not accept.");
      case 408 -> new ApiError(408, "request_timeout", "The request did not arrive in time.");
      case 413 -> new ApiError(413, "payload_too_large", "The request body is larger than this service accepts.");
      case 414 -> new ApiError(414, "uri_too_long", "The request's URI is longer than this service accepts.");
      case 415 -> new ApiError(415, "unsupported_media_type", "The request body must be JSON, sent with Content-Type: application/json.");
      case 416 -> new ApiError(416, "range_not_satisfiable", "The requested range lies outside the file.");
      case 417 -> new ApiError(417, "expectation_failed", "This service meets no Expect header but 100-continue.");
      case 429 -> new ApiError(429, "rate_limited", "Too many requests from this address; please try again shortly.");
      case 431 -> new ApiError(431, "headers_too_large", "The request's headers are larger than this service accepts.");
      case 503 -> new ApiError(503, "unavailable", "The service is unavailable right now. Please try again shortly.");
      default -> status >= 400 && status < 500
          ? new ApiError(status, "invalid_request", "The request cannot be served.")
          : new ApiError(500, "internal_error", "Something went wrong on our side; it has been logged.");
    };
  }
}
