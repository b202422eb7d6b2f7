package shoal.tracker.http;

import static shoal.tracker.http.RequestReader.*;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;
import shoal.common.http.ApiError;
import shoal.common.transfer.PieceBitfield;
import shoal.tracker.registry.FileEntry;
import shoal.tracker.registry.PartialHolder;
import shoal.tracker.registry.PartialHolding;
import shoal.tracker.registry.PartialHoldings;
import shoal.tracker.registry.PeerRegistry;

/**
 * {@code /api/v1/peers/{peerId}/partials/{sha256}} and {@code /api/v1/partials}: peers reporting
 * the pieces they have verified of files they are still downloading, and the listing of them.
 */
final class PartialApi {

  private final PeerRegistry peers;
  private final PartialHoldings partials;

  PartialApi(PeerRegistry peers, PartialHoldings partials) {
    this.peers = peers;
    this.partials = partials;
  }

  /** Answers {@code {"sha256","pieceCount","have"}}; a bitfield without a piece withdraws the record. */
  void announcePartial(RoutingContext ctx) {
    UUID peerId = peerIdParam(ctx);
    // Read once the peer is known to be the caller: a stranger learns nothing from a 400.
    Replies.json(ctx, 200, peers.authenticate(peerId, bearerToken(ctx))
        .map(ok -> partialHolding(sha256Param(ctx), jsonObject(ctx)))
        .compose(holding -> partials.announce(peerId, holding).map(holding)), holding -> new JsonObject()
            .put("sha256", holding.file().sha256())
            .put("pieceCount", holding.pieceCount())
            .put("have", holding.have()));
  }

  void withdrawPartial(RoutingContext ctx) {
    UUID peerId = peerIdParam(ctx);
    Replies.empty(ctx, 204, peers.authenticate(peerId, bearerToken(ctx))
        .compose(ok -> partials.withdraw(peerId, sha256Param(ctx))));
  }

  void listPartials(RoutingContext ctx) {
    String sha256 = ctx.queryParams().get("sha256");
    Replies.jsonArray(ctx, partials.list(sha256 == null ? null : sha256(sha256), limit(ctx, 100), offset(ctx)),
        PartialHolder::toJson);
  }

  /**
   * {@code {"name","size","pieceCount","pieces"}}: the name and size checked as a registration's
   * files are, {@code pieces} a {@link PieceBitfield} of exactly {@code pieceCount} pieces.
   */
  private static PartialHolding partialHolding(String sha256, JsonObject body) {
    String name = fileName(body, sha256);
    long size = size(body, sha256);
    int pieceCount = pieceCount(body, size);
    Object bitfield = body.getValue("pieces");
    if (!(bitfield instanceof String text)) {
      throw ApiError.invalidRequest("'pieces' must be a string: the base64 bitfield of the verified pieces, "
          + "piece 0 in the high bit of the first byte.");
    }
    try {
      byte[] pieces = PieceBitfield.checkedBytes(text, pieceCount);
      return new PartialHolding(new FileEntry(sha256, name, size), pieceCount, pieces, PieceBitfield.countPieces(pieces));
    } catch (IllegalArgumentException e) {
      throw ApiError.invalidRequest("'pieces' must be the base64 bitfield of " + pieceCount + " pieces. " + e.getMessage());
    }
  }

  /** {@code pieceCount}: 1 to the file's size (a piece has at least a byte), at most {@value PartialHoldings#MAX_PIECE_COUNT}. */
  private static int pieceCount(JsonObject body, long size) {
    if (size == 0) {
      throw ApiError.invalidRequest("A file of 0 bytes has no pieces, so nobody can hold part of it.");
    }
    long most = Math.min(size, PartialHoldings.MAX_PIECE_COUNT);
    Object value = body.getValue("pieceCount");
    if (!(value instanceof Integer || value instanceof Long) || ((Number) value).longValue() < 1
        || ((Number) value).longValue() > most) {
      throw ApiError.invalidRequest("'pieceCount' must be a whole number from 1 to " + most + " for a file of "
          + size + " bytes.");
    }
    return ((Number) value).intValue();
  }
}
