package shoal.peer.fetch;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;
import shoal.common.net.PeerAddress;
import shoal.common.transfer.FailureReason;

/**
 * What a download asks one source for, and which answers it accepts. The request is exactly
 * {@code <address>/files/<sha256>} on the address the tracker gave, never a redirect; the answer
 * must agree with the size the source declared before a byte of it is written.
 */
final class SourceRequest {

  private SourceRequest() {}

  /**
   * The request for {@code sha256} from {@code offset} on. The host is resolved here and connected
   * to by that address, so a name that resolves to a link-local or metadata address is refused, and
   * cannot be made to resolve elsewhere between the check and the connection.
   */
  static Future<RequestOptions> to(Vertx vertx, String sourceAddress, String sha256, long offset) {
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
          RequestOptions options = new RequestOptions()
              .setMethod(HttpMethod.GET)
              .setServer(SocketAddress.inetSocketAddress(new InetSocketAddress(resolved, address.port())))
              .setHost(address.host())
              .setPort(address.port())
              .setSsl(address.tls())
              .setURI(address.filesPath(sha256))
              .setFollowRedirects(false);
          if (offset > 0) {
            options.putHeader("Range", "bytes=" + offset + "-").putHeader("If-Range", "\"" + sha256 + "\"");
          }
          return Future.succeededFuture(options);
        });
  }

  /**
   * Why the answer to a request from {@code offset} of a file of {@code size} bytes may not be
   * written, if it may not: anything but 200 for the whole file or 206 for exactly the rest, or a
   * {@code Content-Length} or {@code Content-Range} that disagrees with the size.
   */
  static Optional<SourceFailure> refusal(HttpClientResponse response, long offset, long size) {
    int status = response.statusCode();
    boolean whole = status == 200;
    if (!whole && status != 206) {
      return Optional.of(new SourceFailure(status == 503 ? FailureReason.BUSY : FailureReason.REFUSED,
          "it answered HTTP " + status));
    }
    String expectedRange = "bytes " + offset + "-" + (size - 1) + "/" + size;
    String contentRange = response.getHeader(HttpHeaders.CONTENT_RANGE);
    if (!whole && !expectedRange.equals(contentRange)) {
      return Optional.of(new SourceFailure(FailureReason.SIZE_MISMATCH,
          "it answered with Content-Range '" + contentRange + "', not '" + expectedRange + "'"));
    }
    String contentLength = response.getHeader(HttpHeaders.CONTENT_LENGTH);
    long expectedLength = whole ? size : size - offset;
    if (contentLength != null && !contentLength.equals(String.valueOf(expectedLength))) {
      return Optional.of(new SourceFailure(FailureReason.SIZE_MISMATCH,
          "it announced " + contentLength + " bytes, not " + expectedLength));
    }
    return Optional.empty();
  }
}
