package shoal.common.http;

/**
 * A failure the client caused or must know about, answered with the contract's error shape
 * {@code {"error": code, "message": sentence}}. Thrown (or passed to {@code ctx.fail}) anywhere
 * below a route; {@link ErrorResponder} turns it into the response.
 */
public final class ApiError extends RuntimeException {

  private final int status;
  private final String code;

  public ApiError(int status, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public static ApiError invalidRequest(String message) {
    return new ApiError(400, "invalid_request", message);
  }

  public static ApiError unauthorized(String message) {
    return new ApiError(401, "unauthorized", message);
  }

  public static ApiError forbidden(String message) {
    return new ApiError(403, "forbidden", message);
  }

  public static ApiError notFound(String code, String message) {
    return new ApiError(404, code, message);
  }

  public static ApiError conflict(String code, String message) {
    return new ApiError(409, code, message);
  }
}
