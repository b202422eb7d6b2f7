package shoal.common.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A failure as it may go to a log: any credential the request carried (the {@code Authorization}
 * header, a tracker's join key, a {@code ?token=} in the query) replaced by {@value #MARK} wherever it appears in the
 * messages of the failure and its causes. Exceptions raised while decoding a request quote the
 * offending text, and a quoted query string would carry the control token into the log.
 */
final class RedactedFailure extends RuntimeException {

  static final String MARK = "[redacted]";
  /** The header in which peers show a tracker's join key. */

  private RedactedFailure(String message, Throwable original, Throwable cause) {
    super(message, cause, false, true);
    setStackTrace(original.getStackTrace());
  }

  /** {@code failure} itself when it quotes none of the request's credentials, else a redacted copy. */
  static Throwable of(Throwable failure, HttpServerRequest request) {
    if (failure == null) {
      return null;
    }
    Set<String> secrets = secretsOf(request);
    return secrets.isEmpty() || !quotesAny(failure, secrets) ? failure : copy(failure, secrets);
  }

  private static Set<String> secretsOf(HttpServerRequest request) {
    Set<String> secrets = new LinkedHashSet<>();
    String authorization = request.headers().get(HttpHeaders.AUTHORIZATION);
    if (authorization != null && !authorization.isBlank()) {
      int space = authorization.indexOf(' ');
      secrets.add(space < 0 ? authorization.trim() : authorization.substring(space + 1).trim());
    }
    String joinKey = request.headers().get(JoinKeyHeader.NAME);
    if (joinKey != null) {
      secrets.add(joinKey.trim());
    }
    String query = request.query();
    if (query != null) {
      for (String pair : query.split("&")) {
        int equals = pair.indexOf('=');
        if (equals > 0 && pair.substring(0, equals).equalsIgnoreCase("token") && equals < pair.length() - 1) {
          String raw = pair.substring(equals + 1);
          secrets.add(raw);
          try {
            secrets.add(URLDecoder.decode(raw, StandardCharsets.UTF_8));
          } catch (IllegalArgumentException malformed) {
            // the raw form is already covered
          }
        }
      }
    }
    secrets.removeIf(String::isEmpty);
    return secrets;
  }

  private static boolean quotesAny(Throwable failure, Set<String> secrets) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String message = t.getMessage();
      if (message != null && secrets.stream().anyMatch(message::contains)) {
        return true;
      }
    }
    return false;
  }

  private static Throwable copy(Throwable failure, Set<String> secrets) {
    Throwable cause = failure.getCause() == null || failure.getCause() == failure ? null
        : copy(failure.getCause(), secrets);
    String message = failure.getClass().getName() + ": " + redact(String.valueOf(failure.getMessage()), secrets);
    return new RedactedFailure(message, failure, cause);
  }

  private static String redact(String text, Set<String> secrets) {
    String redacted = text;
    for (String secret : secrets) {
      redacted = redacted.replace(secret, MARK);
    }
    return redacted;
  }
}
