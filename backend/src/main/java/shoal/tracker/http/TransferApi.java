package shoal.tracker.http;

import static shoal.tracker.http.RequestReader.*;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import shoal.common.http.ApiError;
import shoal.common.transfer.FailureReason;
import shoal.tracker.registry.Transfer;
import shoal.tracker.registry.TransferLease;
import shoal.tracker.registry.TransferLedger;

/** {@code /api/v1/transfers}: asking for a source, reporting progress and the outcome. */
final class TransferApi {

  private static final Set<String> STATES =
      Set.of(Transfer.ACTIVE, Transfer.COMPLETED, Transfer.FAILED, Transfer.ABANDONED);

  private final TransferLedger ledger;

  TransferApi(TransferLedger ledger) {
    this.ledger = ledger;
  }

  void startTransfer(RoutingContext ctx) {
    String token = bearerToken(ctx);
    if (token == null) {
      throw ApiError.unauthorized("Only a registered peer may start a transfer: Authorization: Bearer <token>.");
    }
    JsonObject body = jsonObject(ctx);
    Replies.json(ctx, 201, ledger.start(token, sha256(body.getValue("sha256")), peerIds(body, "exclude"),
        optionalBoolean(body, "pieces", false)), TransferLease::toJson);
  }

  void reportProgress(RoutingContext ctx) {
    UUID transferId = transferIdParam(ctx);
    long bytes = nonNegativeLong(jsonObject(ctx), "bytes");
    Replies.ok(ctx, ledger.progress(transferId, bearerToken(ctx), bytes));
  }

  void completeTransfer(RoutingContext ctx) {
    UUID transferId = transferIdParam(ctx);
    Replies.ok(ctx, ledger.complete(transferId, bearerToken(ctx), suppliedBytes(optionalJsonObject(ctx))));
  }

  /**
   * {@code bytes}: what this transfer's source supplied, when the downloader fetched from several
   * at once. Absent, the source supplied the whole file: what peers that send no body mean.
   */
  private static OptionalLong suppliedBytes(JsonObject body) {
    return body.containsKey("bytes") ? OptionalLong.of(nonNegativeLong(body, "bytes")) : OptionalLong.empty();
  }

  void failTransfer(RoutingContext ctx) {
    UUID transferId = transferIdParam(ctx);
    Replies.ok(ctx, ledger.fail(transferId, bearerToken(ctx), failureReason(optionalJsonObject(ctx))));
  }

  /**
   * {@code reason}: one of Shoal's codes, {@code unspecified} when absent. Free text is refused,
   * not stored: what a source said or did is the downloader's to judge, and only Shoal's own
   * sentences travel on to the dashboard and other users.
   */
  private static FailureReason failureReason(JsonObject body) {
    Object value = body.getValue("reason");
    if (value == null) {
      return FailureReason.UNSPECIFIED;
    }
    Optional<FailureReason> reason = value instanceof String code ? FailureReason.fromCode(code) : Optional.empty();
    return reason.orElseThrow(() -> ApiError.invalidRequest("'reason' must be one of " + FailureReason.codes() + "."));
  }

  void listTransfers(RoutingContext ctx) {
    String state = ctx.queryParams().get("state");
    if (state != null && !STATES.contains(state)) {
      throw ApiError.invalidRequest("'state' must be one of active, completed, failed, abandoned.");
    }
    Replies.jsonArray(ctx, ledger.list(state, limit(ctx, 100), offset(ctx)), Transfer::toJson);
  }

  private static JsonObject ok(Object ignored) {
    return new JsonObject().put("ok", true);
  }
}
