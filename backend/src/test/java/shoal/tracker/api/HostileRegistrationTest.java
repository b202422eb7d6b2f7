package shoal.tracker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static shoal.tracker.testing.TrackerApi.file;
import static shoal.tracker.testing.TrackerApi.sha;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import shoal.tracker.testing.TrackerApi;
import shoal.tracker.testing.TrackerApi.Peer;
import shoal.tracker.testing.TrackerExtension;

/**
 * Issue 7, the tracker's side: peers are not trusted. What one peer reports reaches every other
 * peer, so addresses, names, sizes and failure reasons are checked before they are stored.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
@DisplayName("Hostile and faulty peers cannot plant bad data in the tracker")
class HostileRegistrationTest {

  private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  @RegisterExtension
  static final TrackerExtension tracker = new TrackerExtension();

  private TrackerApi api;

  @BeforeEach
  void connect(Vertx vertx) {
    api = tracker.api(vertx);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "http://user:pw@10.0.0.5:7001",
      "http://127.0.0.1:7001/internal/admin?x=1#",
      "http://10.0.0.5:7001/?",
      "http://10.0.0.5:7001/files#",
      "http://[fe80::1]:7001",
      "http://169.254.10.20:7001",
      "http://169.254.169.254",
      "http://[::ffff:169.254.169.254]",
      "http://metadata.google.internal",
      "http://0.0.0.0:7001",
      "http://224.0.0.1:7001"})
  @DisplayName("an address with credentials, a query or fragment, or pointing where no peer lives is 400 and registers nothing")
  void hostileAddressesAreRefused(String address) {
    int peersBefore = peerCount();

    HttpResponse<Buffer> response = api.post("/api/v1/peers", null, new JsonObject()
        .put("name", "mallory").put("address", address).put("files", new JsonArray().add(file(sha("bait-" + address), "bait.txt", 10))));

    assertThat(response.statusCode()).as(address).isEqualTo(400);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("invalid_request");
    assertThat(response.bodyAsJsonObject().getString("message")).startsWith("'address' must be an http or https URL")
        .contains(address);
    assertThat(peerCount()).isEqualTo(peersBefore);
    assertThat(api.get("/api/v1/files/" + sha("bait-" + address)).statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("an accepted address is stored normalized: lower-case scheme and host, no trailing slash")
  void addressIsNormalized() {
    HttpResponse<Buffer> response = api.post("/api/v1/peers", null,
        new JsonObject().put("name", "tidy").put("address", "HTTP://Peer.LAN:7001/shoal/").put("files", new JsonArray()));

    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    String peerId = response.bodyAsJsonObject().getString("peerId");
    assertThat(api.get("/api/v1/peers/" + peerId).bodyAsJsonObject().getString("address")).isEqualTo("http://peer.lan:7001/shoal");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "300 characters with a right-to-left override|it contains a bidirectional control character (U+202E)",
      "a folder|it names a folder (contains '/')",
      "a Windows device|Windows reserves the name CON"})
  @DisplayName("a file whose name is not safe to save is refused, the message naming the file and what is wrong")
  void unsafeNamesAreRefused(String what, String sentence) {
    String name = switch (what) {
      case "a folder" -> "../../.ssh/authorized_keys";
      case "a Windows device" -> "CON.txt";
      default -> "Quarterly report " + "x".repeat(275) + "\u202Efdp.exe";
    };
    String bad = sha("odd-name-" + what);
    int peersBefore = peerCount();

    HttpResponse<Buffer> response = api.post("/api/v1/peers", null, new JsonObject().put("name", "odd").put("address", "http://10.0.0.9:7001")
        .put("files", new JsonArray().add(file(sha("fine-" + what), "fine.txt", 4)).add(file(bad, name, 4))));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("invalid_request");
    assertThat(response.bodyAsJsonObject().getString("message"))
        .startsWith("files[1] (sha256 " + bad + "): 'name' is not a safe file name: ")
        .contains(sentence);
    assertThat(peerCount()).isEqualTo(peersBefore);
    assertThat(api.get("/api/v1/files/" + sha("fine-" + what)).statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("an unsafe name in a later report is refused too, and the peer's list stays as it was")
  void unsafeNameInAnUpdateChangesNothing() {
    Peer peer = api.register("updater", List.of(file(sha("kept-file"), "kept.txt", 7)));

    HttpResponse<Buffer> response = api.post("/api/v1/peers/" + peer.peerId() + "/files", peer.token(),
        new JsonObject().put("files", new JsonArray().add(file(sha("zero-width"), "pay\u200Broll.xlsx", 7))));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.bodyAsJsonObject().getString("message"))
        .contains("files[0] (sha256 " + sha("zero-width") + ")", "zero-width character (U+200B)", "send it as 'payroll.xlsx'");
    assertThat(api.get("/api/v1/peers/" + peer.peerId()).bodyAsJsonObject().getJsonArray("files")).hasSize(1);
  }

  @Test
  @DisplayName("a size of 0 for anything but the empty file's hash is a false claim and refused; the empty file itself is fine")
  void falseEmptyClaimIsRefused() {
    HttpResponse<Buffer> liar = api.post("/api/v1/peers", null, new JsonObject().put("name", "zero").put("address", "http://10.0.0.7:7001")
        .put("files", new JsonArray().add(file(sha("not-empty"), "movie.mkv", 0))));

    assertThat(liar.statusCode()).isEqualTo(400);
    assertThat(liar.bodyAsJsonObject().getString("message"))
        .startsWith("files[0] (sha256 " + sha("not-empty") + "): 'size' is 0")
        .contains("cannot be true");

    Peer honest = api.register("empty-sharer", List.of(file(EMPTY_SHA256, "empty.txt", 0)));
    assertThat(api.get("/api/v1/files/" + EMPTY_SHA256).bodyAsJsonObject().getLong("size")).isZero();
    assertThat(honest.peerId()).isNotBlank();
  }

  @Test
  @DisplayName("sizes go up to 9007199254740991, the largest JavaScript counts exactly, and no further")
  void sizesStayJavaScriptSafe() {
    Peer big = api.register("big", List.of(file(sha("largest"), "largest.bin", 9_007_199_254_740_991L)));
    assertThat(api.get("/api/v1/files/" + sha("largest")).bodyAsJsonObject().getLong("size")).isEqualTo(9_007_199_254_740_991L);

    HttpResponse<Buffer> tooBig = api.put("/api/v1/peers/" + big.peerId() + "/files", big.token(),
        new JsonObject().put("files", new JsonArray().add(file(sha("larger"), "larger.bin", 9_007_199_254_740_992L))));
    assertThat(tooBig.statusCode()).isEqualTo(400);
    assertThat(tooBig.bodyAsJsonObject().getString("message")).contains("'size' must be a whole number from 0 to 9007199254740991");
  }

  @Test
  @DisplayName("holders that disagree on a file's size each keep their own: the lookup lists both, and each lease carries its source's size")
  void disagreeingSizesAreKeptPerHolder() {
    String iso = sha("distro.iso");
    // The liar reports first: its size becomes the catalogue's, but it cannot lock the honest holder out.
    Peer liar = api.register("liar", List.of(file(iso, "distro.iso", 1_000)));
    Peer honest = api.register("honest", List.of(file(iso, "distro.iso", 4_700_000)));
    Peer downloader = api.register("fetcher", List.of());

    JsonObject lookup = api.get("/api/v1/files/" + iso).bodyAsJsonObject();
    assertThat(lookup.getLong("size")).as("the catalogue keeps the first report").isEqualTo(1_000);
    Map<String, Long> sizes = lookup.getJsonArray("holders").stream().map(JsonObject.class::cast)
        .collect(Collectors.toMap(h -> h.getString("peerId"), h -> h.getLong("size")));
    assertThat(sizes).containsExactlyInAnyOrderEntriesOf(Map.of(liar.peerId(), 1_000L, honest.peerId(), 4_700_000L));

    JsonObject first = api.startTransfer(downloader, iso).bodyAsJsonObject();
    String firstSource = first.getJsonObject("source").getString("peerId");
    JsonObject second = api.post("/api/v1/transfers", downloader.token(),
        new JsonObject().put("sha256", iso).put("exclude", new JsonArray().add(firstSource))).bodyAsJsonObject();
    String secondSource = second.getJsonObject("source").getString("peerId");

    assertThat(List.of(firstSource, secondSource)).containsExactlyInAnyOrder(liar.peerId(), honest.peerId());
    assertThat(first.getLong("size")).isEqualTo(sizes.get(firstSource));
    assertThat(second.getLong("size")).isEqualTo(sizes.get(secondSource));
    Map<String, Long> listed = api.get("/api/v1/transfers?state=active").bodyAsJsonArray().stream().map(JsonObject.class::cast)
        .filter(t -> t.getString("sha256").equals(iso))
        .collect(Collectors.toMap(t -> t.getString("from"), t -> t.getLong("size")));
    assertThat(listed).containsExactlyInAnyOrderEntriesOf(sizes);

    // Progress is bounded by the lease's own size: the honest holder's transfer may count past the liar's 1 000 bytes.
    String honestTransfer = (firstSource.equals(honest.peerId()) ? first : second).getString("transferId");
    assertThat(api.post("/api/v1/transfers/" + honestTransfer + "/progress", downloader.token(),
        new JsonObject().put("bytes", 2_000_000)).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("a failure reason must be one of Shoal's codes: anything else is 400 listing them, and the transfer stays active")
  void unknownFailureReasonIsRefused() {
    String clip = sha("clip");
    api.register("clip-source", List.of(file(clip, "clip.mp4", 900)));
    Peer downloader = api.register("clip-downloader", List.of());
    String transferId = api.startTransfer(downloader, clip).bodyAsJsonObject().getString("transferId");

    for (Object reason : new Object[] {"<script>alert(1)</script> see http://evil.example", "CORRUPT", 42, ""}) {
      HttpResponse<Buffer> refused = api.post("/api/v1/transfers/" + transferId + "/fail", downloader.token(),
          new JsonObject().put("reason", reason));
      assertThat(refused.statusCode()).as(String.valueOf(reason)).isEqualTo(400);
      assertThat(refused.bodyAsJsonObject().getString("error")).isEqualTo("invalid_request");
      assertThat(refused.bodyAsJsonObject().getString("message"))
          .startsWith("'reason' must be one of ").contains("corrupt", "too_slow", "bad_address", "unspecified")
          .doesNotContain("evil");
    }
    assertThat(transfer(transferId).getString("state")).isEqualTo("active");
  }

  @Test
  @DisplayName("a known failure reason is stored and listed with Shoal's sentence; no reason at all is 'unspecified'")
  void knownFailureReasonIsListedWithItsSentence() {
    String tarball = sha("tarball");
    api.register("tar-source", List.of(file(tarball, "release.tar.gz", 12_000)));
    Peer downloader = api.register("tar-downloader", List.of());

    String corrupt = api.startTransfer(downloader, tarball).bodyAsJsonObject().getString("transferId");
    assertThat(api.post("/api/v1/transfers/" + corrupt + "/fail", downloader.token(),
        new JsonObject().put("reason", "corrupt")).statusCode()).isEqualTo(200);
    String silent = api.startTransfer(downloader, tarball).bodyAsJsonObject().getString("transferId");
    HttpResponse<Buffer> unexplained = api.post("/api/v1/transfers/" + silent + "/fail", downloader.token(), null);
    assertThat(unexplained.statusCode()).as(unexplained.bodyAsString()).isEqualTo(200);

    assertThat(transfer(corrupt).getMap()).containsEntry("state", "failed").containsEntry("reason", "corrupt")
        .containsEntry("reasonText", "The source's data did not match the SHA-256.");
    assertThat(transfer(silent).getMap()).containsEntry("reason", "unspecified").containsEntry("reasonText", "No reason was given.");
  }

  @Test
  @DisplayName("a transfer abandoned because a peer left keeps the tracker's own reason, with a sentence")
  void departureReasonHasASentence() {
    String notes = sha("lecture-notes");
    Peer source = api.register("leaving-source", List.of(file(notes, "notes.pdf", 300)));
    Peer downloader = api.register("left-behind", List.of());
    String transferId = api.startTransfer(downloader, notes).bodyAsJsonObject().getString("transferId");

    assertThat(api.delete("/api/v1/peers/" + source.peerId(), source.token()).statusCode()).isEqualTo(204);

    assertThat(transfer(transferId).getMap()).containsEntry("state", "abandoned").containsEntry("reason", "peer left")
        .containsEntry("reasonText", "The source or the downloader left the network before the transfer ended.");
  }

  private JsonObject transfer(String transferId) {
    return api.get("/api/v1/transfers?limit=1000").bodyAsJsonArray().stream().map(JsonObject.class::cast)
        .filter(t -> t.getString("transferId").equals(transferId)).findFirst().orElseThrow();
  }

  private int peerCount() {
    return api.get("/api/v1/peers").bodyAsJsonArray().size();
  }
}
