package shoal.tracker.http;

import static shoal.tracker.http.RequestReader.*;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import shoal.tracker.registry.FileEntry;
import shoal.tracker.registry.PeerRegistry;
import shoal.tracker.registry.PeerSummary;

/** {@code /api/v1/peers}: joining, reporting files, heartbeats, leaving, and the peers listing. */
final class PeerApi {

  private final PeerRegistry peers;
  private final Duration heartbeat;
  private final Duration peerTtl;

  PeerApi(PeerRegistry peers, Duration heartbeat, Duration peerTtl) {
    this.peers = peers;
    this.heartbeat = heartbeat;
    this.peerTtl = peerTtl;
  }

  void registerPeer(RoutingContext ctx) {
    JsonObject body = jsonObject(ctx);
    String name = peerName(body);
    String address = reachableAddress(ctx, body);
    List<FileEntry> files = files(body);
    Replies.json(ctx, 201, peers.register(name, address, files), registration -> new JsonObject()
        .put("peerId", registration.peerId().toString())
        .put("token", registration.token())
        .put("heartbeatSeconds", seconds(heartbeat))
        .put("ttlSeconds", seconds(peerTtl)));
  }

  void replaceFiles(RoutingContext ctx) {
    UUID peerId = peerIdParam(ctx);
    Replies.ok(ctx, peers.authenticate(peerId, bearerToken(ctx))
        .compose(ok -> peers.replaceFiles(peerId, files(jsonObject(ctx)))));
  }

  void addFiles(RoutingContext ctx) {
    UUID peerId = peerIdParam(ctx);
    Replies.ok(ctx, peers.authenticate(peerId, bearerToken(ctx))
        .compose(ok -> peers.addFiles(peerId, files(jsonObject(ctx)))));
  }

  void heartbeat(RoutingContext ctx) {
    UUID peerId = peerIdParam(ctx);
    Replies.ok(ctx, peers.authenticate(peerId, bearerToken(ctx))
        .compose(ok -> peers.heartbeat(peerId)));
  }

  void leave(RoutingContext ctx) {
    UUID peerId = peerIdParam(ctx);
    Replies.empty(ctx, 204, peers.authenticate(peerId, bearerToken(ctx)).compose(ok -> peers.leave(peerId)));
  }

  void listPeers(RoutingContext ctx) {
    Replies.jsonArray(ctx, peers.list(limit(ctx, MAX_PAGE), offset(ctx)), PeerSummary::toJson);
  }

  void getPeer(RoutingContext ctx) {
    Replies.json(ctx, 200, peers.get(peerIdParam(ctx)), PeerRegistry.PeerDetails::toJson);
  }

  /** Whole seconds stay integers in JSON; {@code 500ms} becomes 0.5. */
  private static Number seconds(Duration duration) {
    long millis = duration.toMillis();
    return millis % 1000 == 0 ? (Number) (millis / 1000) : (Number) (millis / 1000.0);
  }
}
