package shoal.peer.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import shoal.peer.testing.FakeHolder;

/**
 * A holder registered for some files that answers every request with the right size of wrong
 * bytes, heartbeating (and registering again when forgotten) for the whole run.
 */
final class LyingHolder implements AutoCloseable {

  static final String NAME = "liar";

  private final FakeHolder server;
  private final Thread heartbeat;

  LyingHolder(ChaosNetwork network, List<ChaosRun.SampleFile> claimed) throws Exception {
    server = new FakeHolder((request, out) -> {
      // No piece list (404, as an older peer answers): downloaders then take the whole file from
      // it, and find it wrong by the file's SHA-256.
      ChaosRun.SampleFile file = claimed.stream().filter(f -> request.target().endsWith(f.sha256())).findFirst().orElse(null);
      if (file == null) {
        FakeHolder.head(out, "404 Not Found", "Content-Length: 0");
        return;
      }
      FakeHolder.head(out, "200 OK", "Content-Length: " + file.size());
      byte[] garbage = new byte[64 << 10];
      for (long left = file.size(); left > 0; left -= garbage.length) {
        out.write(garbage, 0, (int) Math.min(garbage.length, left));
      }
    });
    JsonArray list = new JsonArray();
    claimed.forEach(file -> list.add(new JsonObject().put("sha256", file.sha256()).put("name", file.name()).put("size", file.size())));
    JsonObject registration = new JsonObject().put("name", NAME).put("address", server.address()).put("files", list);
    heartbeat = new Thread(() -> {
      String[] peer = null;
      while (!Thread.currentThread().isInterrupted()) {
        if (peer == null) {
          ChaosNetwork.Reply joined = network.post(network.trackerUrl() + "/api/v1/peers", null, registration);
          if (joined.status() == 201) {
            peer = new String[] {joined.json().getString("peerId"), joined.json().getString("token")};
          }
        } else if (network.post(network.trackerUrl() + "/api/v1/peers/" + peer[0] + "/heartbeat", peer[1], null)
            .status() == 404) {
          peer = null;
        }
        ChaosRun.sleep(1_000);
      }
    }, "chaos-liar-heartbeat");
    heartbeat.setDaemon(true);
    heartbeat.start();
  }

  @Override
  public void close() throws Exception {
    heartbeat.interrupt();
    server.close();
  }
}
