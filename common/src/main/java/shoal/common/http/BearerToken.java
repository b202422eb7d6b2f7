package shoal.common.http;

/** Reads {@code Authorization: Bearer <token>}, the one way peers and scripts prove who they are. */
public final class BearerToken {

  private static final String SCHEME = "Bearer ";

  private BearerToken() {}

  /** The token in an {@code Authorization} header value, or null when there is none. */
  public static String from(String authorizationHeader) {
    if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
      return null;
    }
    String token = authorizationHeader.substring(SCHEME.length()).trim();
    return token.isEmpty() ? null : token;
  }
}
