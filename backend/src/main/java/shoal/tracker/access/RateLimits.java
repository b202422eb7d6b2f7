package shoal.tracker.access;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * The tracker's rate limits, made once per tracker and shared by its HTTP verticle instances, so
 * that a client counts the same whichever instance its connections land on.
 */
public final class RateLimits {

  private final Handler<RoutingContext> registrations;
  private final Handler<RoutingContext> transferStarts;

  public RateLimits(AccessSettings settings) {
    this.registrations = RequestRateLimit.of(settings.registrations(), "registrations");
    this.transferStarts = RequestRateLimit.of(settings.transferStarts(), "transfer requests");
  }

  public Handler<RoutingContext> registrations() {
    return registrations;
  }

  public Handler<RoutingContext> transferStarts() {
    return transferStarts;
  }
}
