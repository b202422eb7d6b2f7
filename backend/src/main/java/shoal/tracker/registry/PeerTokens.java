package shoal.tracker.registry;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import shoal.common.http.ApiError;

/**
 * Peer bearer tokens: 256 random bits, stored only as their SHA-256 (a leaked database reveals
 * no usable token) and compared in constant time.
 */
final class PeerTokens {

  private static final SecureRandom RANDOM = new SecureRandom();

  private PeerTokens() {}

  static String newToken() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  static Buffer hash(String token) {
    try {
      return Buffer.buffer(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** Passes when {@code token} hashes to {@code storedHash}: 401 without a token, 403 otherwise. */
  static void check(String token, Buffer storedHash, String forbiddenMessage) {
    if (token == null) {
      throw missing();
    }
    if (!MessageDigest.isEqual(hash(token).getBytes(), storedHash.getBytes())) {
      throw ApiError.forbidden(forbiddenMessage);
    }
  }

  static ApiError missing() {
    return ApiError.unauthorized("This call needs the peer's token: Authorization: Bearer <token>.");
  }
}
