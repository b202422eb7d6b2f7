package shoal.peer.fetch;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import shoal.common.net.PeerAddress;
import shoal.common.transfer.PieceBitfield;
import shoal.common.transfer.FailureReason;
import shoal.peer.share.PieceHashes;

/**
 * What a download asks one source for, and which answers it accepts. The request is exactly
 * {@code <address>/files/<sha256>} on the address the tracker gave, never a redirect; the answer
 * must agree with the size the source declared before a byte of it is written.
 */
final class SourceRequest {

  /** About 1 024 hashes of 66 characters, with room to spare: a longer answer is not a piece list. */
  private static final int MAX_PIECE_LIST_BYTES = 256 << 10;
  /** A piece list is small: a holder that takes longer than this to send one is not waited for. */
  private static final long PIECE_LIST_MILLIS = 5_000;

  private SourceRequest() {}

  /**
   * The request for {@code sha256} from {@code offset} on. The host is resolved here and connected
   * to by that address, so a name that resolves to a link-local or metadata address is refused, and
   * cannot be made to resolve elsewhere between the check and the connection.
   */
  static Future<RequestOptions> to(Vertx vertx, String sourceAddress, String sha256, long offset) {
    return checked(vertx, sourceAddress, sha256).map(options -> offset == 0 ? options
        : options.putHeader("Range", "bytes=" + offset + "-").putHeader("If-Range", "\"" + sha256 + "\""));
  }

  /** {@code whole}, a request {@link #checked} once per source, narrowed to bytes {@code first} to {@code last} (inclusive): one piece. */
  static RequestOptions range(RequestOptions whole, String sha256, long first, long last) {
    return new RequestOptions(whole)
        .putHeader("Range", "bytes=" + first + "-" + last).putHeader("If-Range", "\"" + sha256 + "\"");
  }

  /** The request for the whole of {@code sha256}, its host resolved and checked once (see {@link #to}). */
  static Future<RequestOptions> checked(Vertx vertx, String sourceAddress, String sha256) {
    PeerAddress address;
    try {
      address = PeerAddress.parse(sourceAddress);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(new SourceFailure(FailureReason.BAD_ADDRESS, e.getMessage()));
    }
    return vertx.executeBlocking(() -> InetAddress.getByName(address.host()), false)
        .recover(e -> Future.failedFuture(new SourceFailure(FailureReason.UNREACHABLE, "cannot resolve " + address.host())))
        .compose(resolved -> {
          if (PeerAddress.isForbidden(resolved)) {
            return Future.failedFuture(new SourceFailure(FailureReason.BAD_ADDRESS, address.host() + " resolves to " + resolved));
          }
          return Future.succeededFuture(new RequestOptions()
              .setMethod(HttpMethod.GET)
              .setServer(SocketAddress.inetSocketAddress(new InetSocketAddress(resolved, address.port())))
              .setHost(address.host())
              .setPort(address.port())
              .setSsl(address.tls())
              .setURI(address.filesPath(sha256))
              .setFollowRedirects(false));
        });
  }

  /**
   * The piece hashes {@code sourceAddress} lists for {@code sha256} of {@code size} bytes. Empty
   * when it answers that it lists none: 404 from a holder that does not serve them (an older peer,
   * a plain web server), 503 from one still hashing them; that is no fault of its own as long as
   * its bytes are right. Fails when it cannot give a list: unreachable, broken off, silent past
   * {@link #PIECE_LIST_MILLIS} ({@link FailureReason#STALLED}), or answering anything else
   * ({@link FailureReason#REFUSED}); {@link SourceFailure#reasonFor} tells the reason.
   */
  static Future<Optional<SourcePieces>> pieces(Vertx vertx, HttpClient http, String sourceAddress, String sha256,
      long size) {
    return to(vertx, sourceAddress, sha256, 0)
        .compose(options -> http.request(options.setURI(options.getURI() + "/pieces").setIdleTimeout(PIECE_LIST_MILLIS)))
        .compose(request -> {
          long deadline = vertx.setTimer(PIECE_LIST_MILLIS, late -> request.reset(0, new TimeoutException()));
          return request.send().compose(response -> switch (response.statusCode()) {
                case 200 -> boundedBody(request, response).compose(body -> parsed(body, sha256, size)).map(Optional::of);
                case 404, 503 -> Future.succeededFuture(Optional.<SourcePieces>empty());
                default -> Future.<Optional<SourcePieces>>failedFuture(
                    new SourceFailure(FailureReason.REFUSED, "it answered HTTP " + response.statusCode() + " for its piece list"));
              })
              .onComplete(done -> vertx.cancelTimer(deadline));
        })
        .recover(e -> Future.failedFuture(e instanceof TimeoutException || e.getCause() instanceof TimeoutException
            ? new SourceFailure(FailureReason.STALLED, "it sent no piece list within " + PIECE_LIST_MILLIS + " ms") : e));
  }

  /**
   * The list in {@code body}, when it is one of the pieces of {@code sha256} of {@code size} bytes;
   * with the pieces it holds when it names them ({@code have}: it is still downloading the file).
   */
  private static Future<SourcePieces> parsed(Buffer body, String sha256, long size) {
    try {
      JsonObject list = new JsonObject(body);
      if (sha256.equals(list.getString("sha256")) && Long.valueOf(size).equals(list.getLong("size"))) {
        PieceHashes hashes = PieceHashes.fromHex(size, list.getJsonArray("pieces").stream().map(String.class::cast).toList());
        String have = list.getString("have");
        return Future.succeededFuture(new SourcePieces(hashes,
            have == null ? null : PieceBitfield.decode(have, hashes.count())));
      }
    } catch (RuntimeException notAList) {
      // Not JSON, or not a list's shape: refused below like a list of another file.
    }
    return Future.failedFuture(new SourceFailure(FailureReason.REFUSED, "its piece list is not one of this file's"));
  }

  /** The body, unless it grows past {@link #MAX_PIECE_LIST_BYTES}: then the request is broken off. */
  private static Future<Buffer> boundedBody(HttpClientRequest request, HttpClientResponse response) {
    Promise<Buffer> promise = Promise.promise();
    Buffer body = Buffer.buffer();
    response.handler(chunk -> {
      if (body.length() + chunk.length() > MAX_PIECE_LIST_BYTES) {
        promise.tryFail(new SourceFailure(FailureReason.REFUSED, "its piece list is too long"));
        request.reset();
      } else {
        body.appendBuffer(chunk);
      }
    });
    response.exceptionHandler(promise::tryFail);
    response.endHandler(end -> promise.tryComplete(body));
    return promise.future();
  }

  /**
   * Why the answer to a request from {@code offset} of a file of {@code size} bytes may not be
   * written, if it may not: anything but 200 for the whole file (a source may ignore the range) or
   * 206 for exactly the rest, or a {@code Content-Length} or {@code Content-Range} that disagrees
   * with the size.
   */
  static Optional<SourceFailure> refusal(HttpClientResponse response, long offset, long size) {
    return refusal(response, offset, size - 1, size, true);
  }

  /**
   * Why the answer to a request for bytes {@code first} to {@code last} of a file of {@code size}
   * bytes may not be written, if it may not: anything but 206 with exactly that Content-Range
   * (and a Content-Length that agrees), or 200 with the whole file when the whole file was asked.
   */
  static Optional<SourceFailure> rangeRefusal(HttpClientResponse response, long first, long last, long size) {
    return refusal(response, first, last, size, first == 0 && last == size - 1);
  }

  private static Optional<SourceFailure> refusal(HttpClientResponse response, long first, long last, long size,
      boolean wholeAllowed) {
    int status = response.statusCode();
    boolean whole = status == 200;
    if (status == 503) {
      return Optional.of(SourceFailure.busy(response.getHeader(HttpHeaders.RETRY_AFTER)));
    }
    if (status != 206 && !(whole && wholeAllowed)) {
      return Optional.of(new SourceFailure(FailureReason.REFUSED,
          whole ? "it ignored the range it was asked for" : "it answered HTTP " + status));
    }
    String expectedRange = "bytes " + first + "-" + last + "/" + size;
    String contentRange = response.getHeader(HttpHeaders.CONTENT_RANGE);
    if (!whole && !expectedRange.equals(contentRange)) {
      return Optional.of(new SourceFailure(FailureReason.SIZE_MISMATCH,
          "it answered with Content-Range '" + contentRange + "', not '" + expectedRange + "'"));
    }
    String contentLength = response.getHeader(HttpHeaders.CONTENT_LENGTH);
    long expectedLength = whole ? size : last - first + 1;
    if (contentLength != null && !contentLength.equals(String.valueOf(expectedLength))) {
      return Optional.of(new SourceFailure(FailureReason.SIZE_MISMATCH,
          "it announced " + contentLength + " bytes, not " + expectedLength));
    }
    return Optional.empty();
  }
}
