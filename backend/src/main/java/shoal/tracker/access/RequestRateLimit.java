package shoal.tracker.access;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import shoal.common.http.ApiError;

/**
 * Lets each client address make a limited number of one kind of request (registrations, transfer
 * starts); beyond it, 429 {@code rate_limited} with {@code Retry-After} in whole seconds. Attempts
 * count whether or not they succeed, so guessing a join key is slowed down too.
 *
 * <p>The address is the connection's peer address: headers such as {@code X-Forwarded-For} are the
 * client's to forge. An IPv6 client is counted by its /64, the block one host usually owns.
 */
public final class RequestRateLimit implements Handler<RoutingContext> {

  /** Addresses remembered at once; about 100 bytes each. */
  static final int MAX_ADDRESSES = 100_000;

  private final TokenBuckets buckets;
  private final String what;
  private final RateLimit limit;

  /**
   * @param what the requests counted, as a plural noun phrase for the message ("registrations")
   */
  public RequestRateLimit(RateLimit limit, String what) {
    this.buckets = new TokenBuckets(limit, MAX_ADDRESSES, System::nanoTime);
    this.what = what;
    this.limit = limit;
  }

  /** A handler that limits nothing when {@code limit} is unlimited. */
  public static Handler<RoutingContext> of(RateLimit limit, String what) {
    return limit.unlimited() ? RoutingContext::next : new RequestRateLimit(limit, what);
  }

  @Override
  public void handle(RoutingContext ctx) {
    long waitNanos = buckets.take(clientKey(ctx.request().remoteAddress().hostAddress()));
    if (waitNanos == 0) {
      ctx.next();
      return;
    }
    long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(waitNanos + TimeUnit.SECONDS.toNanos(1) - 1));
    ctx.response().putHeader(HttpHeaders.RETRY_AFTER, String.valueOf(seconds));
    ctx.fail(new ApiError(429, "rate_limited", "This address has made more than " + limit.requests() + " " + what
        + " in " + describe(limit) + "; please try again in " + seconds + (seconds == 1 ? " second." : " seconds.")));
  }

  /** The key an address is counted under: itself for IPv4, its /64 for IPv6. */
  static String clientKey(String hostAddress) {
    if (hostAddress == null || hostAddress.indexOf(':') < 0) {
      return String.valueOf(hostAddress);
    }
    try {
      // A numeric literal: parsed, never looked up.
      byte[] bytes = InetAddress.getByName(hostAddress).getAddress();
      if (bytes.length != 16) {
        return hostAddress;
      }
      StringBuilder prefix = new StringBuilder();
      for (int i = 0; i < 8; i += 2) {
        prefix.append(String.format("%02x%02x:", bytes[i], bytes[i + 1]));
      }
      return prefix.append(":/64").toString();
    } catch (UnknownHostException e) {
      return hostAddress;
    }
  }

  private static String describe(RateLimit limit) {
    long millis = limit.per().toMillis();
    if (millis == 60_000) {
      return "a minute";
    }
    return millis % 1000 == 0 ? (millis / 1000) + " seconds" : millis + " ms";
  }
}
