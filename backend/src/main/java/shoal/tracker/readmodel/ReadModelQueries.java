package shoal.tracker.readmodel;

/**
 * The read model's statements. They run in one read-only REPEATABLE READ transaction per load,
 * so a peer's row and its holdings come from one snapshot. Expiry is read as microseconds left
 * at the transaction's start, never as a timestamp: the tracker's clock need not match the
 * database's.
 */
final class ReadModelQueries {

  private ReadModelQueries() {}

  static final String SNAPSHOT = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY";

  private static final String PEER_COLUMNS = """
      SELECT p.peer_id, p.name, p.address, p.token_hash, coalesce(l.active_uploads, 0) AS active_uploads,
        (extract(epoch FROM p.expires_at - now()) * 1000000)::bigint AS micros_left
      FROM peers p LEFT JOIN peer_load l ON l.peer_id = p.peer_id""";

  private static final String HOLDING_COLUMNS = """
      SELECT h.peer_id, h.sha256, h.size, f.name AS file_name, f.size AS file_size
      FROM holdings h JOIN files f ON f.sha256 = h.sha256""";

  static final String PEERS_BY_ID = PEER_COLUMNS + " WHERE p.peer_id = ANY($1::uuid[])";

  static final String HOLDINGS_OF_PEERS = HOLDING_COLUMNS + " WHERE h.peer_id = ANY($1::uuid[])";

  /** The holdings named by pairs of {@code $1[i]}, a peer, and {@code $2[i]}, a file. */
  static final String HOLDINGS_BY_PEER_AND_FILE = HOLDING_COLUMNS
      + " JOIN unnest($1::uuid[], $2::text[]) AS wanted(peer_id, sha256) ON wanted.peer_id = h.peer_id AND wanted.sha256 = h.sha256";

  static final String ALL_PEERS = PEER_COLUMNS;

  static final String ALL_HOLDINGS = HOLDING_COLUMNS;
}
