package shoal.common.http;

/**
 * The header a peer sends its tracker's join key in: one name for the tracker that checks it, the
 * peer that sends it and the logs that must never show it.
 */
public final class JoinKeyHeader {

  public static final String NAME = "X-Shoal-Join-Key";

  private JoinKeyHeader() {}
}
