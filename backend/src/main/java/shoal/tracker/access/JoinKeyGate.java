package shoal.tracker.access;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import shoal.common.http.JoinKeyHeader;
import shoal.common.http.ApiError;

/**
 * Admits a registration only with the tracker's join key in {@value JoinKeyHeader#NAME}: 401 without one,
 * 403 with another. A header rather than a body field, so the key is checked before the body is
 * read, stays out of the registration document, and is redacted from logs like a bearer token.
 * Keys are compared as SHA-256 digests with {@link MessageDigest#isEqual}, in time that tells
 * nothing about how much of a guess was right, nor about the key's length.
 */
public final class JoinKeyGate implements Handler<RoutingContext> {


  private final byte[] keyDigest;

  private JoinKeyGate(String joinKey) {
    this.keyDigest = digest(joinKey);
  }

  /** The gate for {@code joinKey}; one that lets everyone through when there is no key. */
  public static Handler<RoutingContext> of(String joinKey) {
    return joinKey == null ? RoutingContext::next : new JoinKeyGate(joinKey);
  }

  @Override
  public void handle(RoutingContext ctx) {
    String presented = ctx.request().getHeader(JoinKeyHeader.NAME);
    if (presented == null || presented.isEmpty()) {
      ctx.fail(ApiError.unauthorized("This tracker admits only peers that know its join key: start the peer with "
          + "--join-key KEY (or SHOAL_JOIN_KEY), which sends it as " + JoinKeyHeader.NAME + "."));
      return;
    }
    if (!MessageDigest.isEqual(digest(presented), keyDigest)) {
      ctx.fail(ApiError.forbidden("That is not this tracker's join key; ask its operator for the right one."));
      return;
    }
    ctx.next();
  }

  private static byte[] digest(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
