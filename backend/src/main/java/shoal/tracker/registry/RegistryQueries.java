package shoal.tracker.registry;

/**
 * Every SQL statement of the registry, in one place. Statements built from shared fragments
 * start their own text block with a blank line, so the pieces never run together.
 *
 * <p>Lock order, which keeps concurrent writers free of deadlocks: a transaction that touches
 * several peers locks all of them first, in one statement ordered by peer id; only then does it
 * touch transfers, several of them locked first in transfer-id order. Foreign-key checks take
 * {@code FOR KEY SHARE}, which only a deleting transaction's {@code FOR UPDATE} blocks. A peer's
 * {@code peer_load} row is taken last, after every other lock of the transaction, and several of
 * them in peer-id order: so a departure can release the load of sources it never locked.
 * Catalogue ({@code files}) rows are locked by reports of files, in hash order, and by the
 * catalogue sweep, which skips locked ones; after them a transaction takes at most load rows.
 * A transaction that ends transfers adds to one {@code transfer_totals} stripe as its very last
 * statement, after its load rows, and takes no other stripe: it never waits while holding one, so
 * a stripe is in no cycle and is held only until the commit. The pruning of finished transfers
 * locks nothing but the transfers it deletes, and skips locked ones. The trackers' own heartbeat
 * row is locked by the outage grace alone, before any peer. A peer's partial holdings are written
 * with its peer row locked, or removed one record at a time by a statement of its own, and the
 * balancer reads them without locks: they take no place in the order. A peer whose
 * {@code expires_at} has passed counts as gone everywhere, whether or not the sweeper has deleted
 * it yet.
 */
final class RegistryQueries {

  private RegistryQueries() {}

  // ---- peers -------------------------------------------------------------------------------

  /** A new peer, with its load row. */
  static final String INSERT_PEER = """
      WITH joined AS (
        INSERT INTO peers (peer_id, name, address, token_hash, expires_at)
        VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))
        RETURNING peer_id
      )
      INSERT INTO peer_load (peer_id) SELECT peer_id FROM joined""";

  /**
   * Adds or renames holdings; {@code $2..$4} are parallel arrays so one statement takes any batch.
   * Files new to the network enter the catalogue, in hash order, so that concurrent registrations
   * of the same new files queue instead of deadlocking. Files already catalogued have their row
   * locked (an update that changes nothing), so the catalogue sweep cannot remove one of them
   * before these holdings commit; a row it is removing is waited for, then inserted again.
   */
  static final String UPSERT_HOLDINGS = """
      WITH reported AS (
        SELECT * FROM unnest($2::text[], $3::text[], $4::bigint[]) AS f(sha256, name, size)
      ), catalogued AS (
        INSERT INTO files (sha256, name, size)
        SELECT sha256, name, size FROM reported ORDER BY sha256
        ON CONFLICT (sha256) DO UPDATE SET name = files.name WHERE false
      )
      INSERT INTO holdings (peer_id, sha256, name, size)
      SELECT $1, sha256, name, size FROM reported
      ON CONFLICT (peer_id, sha256) DO UPDATE SET name = excluded.name, size = excluded.size""";

  static final String DELETE_HOLDINGS = "DELETE FROM holdings WHERE peer_id = $1";

  static final String COUNT_HOLDINGS = "SELECT count(*) AS files FROM holdings WHERE peer_id = $1";

  static final String LIVE_PEER_TOKEN_HASH =
      "SELECT token_hash FROM peers WHERE peer_id = $1 AND expires_at > now()";

  static final String HEARTBEAT = """
      UPDATE peers SET last_seen = now(), expires_at = now() + make_interval(secs => $2)
      WHERE peer_id = $1 AND expires_at > now()""";

  /**
   * Departures lock the leaving peers first, so that no transfer can pick them as its source
   * between the two statements below.
   */
  static final String LOCK_PEERS_TO_DELETE =
      "SELECT peer_id FROM peers WHERE peer_id = ANY($1::uuid[]) ORDER BY peer_id FOR UPDATE";

  /**
   * For writers that change peers' rows (not their keys), holdings or transfers: they queue
   * behind a departure of the same peer instead of meeting it half-way.
   */
  static final String LOCK_PEERS_TO_WRITE =
      "SELECT peer_id FROM peers WHERE peer_id = ANY($1::uuid[]) AND expires_at > now() ORDER BY peer_id FOR NO KEY UPDATE";

  /**
   * As {@link #LOCK_PEERS_TO_WRITE}, expired peers included: for a transfer's end, which writes to
   * its source's row whether or not the source is still alive, and must not meet the sweeper
   * removing it half-way.
   */
  static final String LOCK_PEERS_OF_TRANSFER =
      "SELECT peer_id FROM peers WHERE peer_id = ANY($1::uuid[]) ORDER BY peer_id FOR NO KEY UPDATE";

  /** Up to {@code $1} expired peers that no other tracker is sweeping at this moment. */
  static final String LOCK_EXPIRED_PEERS =
      "SELECT peer_id FROM peers WHERE expires_at <= now() ORDER BY peer_id LIMIT $1 FOR UPDATE SKIP LOCKED";

  /**
   * Every transfer that names a departing peer, locked in transfer-id order before the departure
   * touches them, so that two peers of one transfer leaving at once take turns.
   */
  static final String LOCK_TRANSFERS_OF_PEERS = """
      SELECT transfer_id, state, bytes FROM transfers
      WHERE source_id = ANY($1::uuid[]) OR downloader_id = ANY($1::uuid[])
      ORDER BY transfer_id
      FOR UPDATE""";

  /**
   * Releases the load that the departing downloaders' active transfers put on sources staying
   * behind (a departing source's load row goes with it), taking those rows in peer-id order. Runs
   * with the transfers locked and before {@link #DETACH_TRANSFERS_OF_PEERS} ends them.
   */
  static final String RELEASE_UPLOADS_TO_PEERS = """
      WITH released AS (
        SELECT source_id AS peer_id, count(*) AS uploads FROM transfers
        WHERE downloader_id = ANY($1::uuid[]) AND state = 'active'
          AND source_id IS NOT NULL AND NOT (source_id = ANY($1::uuid[]))
        GROUP BY source_id
      ), locked AS (
        SELECT l.peer_id, r.uploads FROM peer_load l JOIN released r ON r.peer_id = l.peer_id
        ORDER BY l.peer_id
        FOR NO KEY UPDATE OF l
      )
      UPDATE peer_load l SET active_uploads = l.active_uploads - locked.uploads
      FROM locked WHERE l.peer_id = locked.peer_id""";

  /**
   * Detaches the departing peers from their transfers in one write per row: unfinished ones are
   * abandoned (they stop counting as anybody's load) and the peer's id is cleared, names stay.
   * Doing it here rather than by ON DELETE SET NULL after a first update matters: a row written
   * twice in one transaction has its other foreign key re-checked, which would wait on a peer
   * another departure has locked.
   */
  static final String DETACH_TRANSFERS_OF_PEERS = """
      UPDATE transfers SET
        state = CASE WHEN state = 'active' THEN 'abandoned' ELSE state END,
        reason = CASE WHEN state = 'active' THEN $2 ELSE reason END,
        finished_at = CASE WHEN state = 'active' THEN now() ELSE finished_at END,
        source_id = CASE WHEN source_id = ANY($1::uuid[]) THEN NULL ELSE source_id END,
        downloader_id = CASE WHEN downloader_id = ANY($1::uuid[]) THEN NULL ELSE downloader_id END
      WHERE source_id = ANY($1::uuid[]) OR downloader_id = ANY($1::uuid[])""";

  /** Holdings and the load row go with the peer (ON DELETE CASCADE). */
  static final String DELETE_PEERS =
      "DELETE FROM peers WHERE peer_id = ANY($1::uuid[]) RETURNING peer_id, name";

  /** Columns of peer {@code p} with its load row {@code l}. */
  private static final String PEER_COLUMNS = """
      p.peer_id, p.name, p.address, p.served_total, p.last_seen,
      (SELECT count(*) FROM holdings h WHERE h.peer_id = p.peer_id) AS files,
      l.active_uploads""";

  static final String LIST_PEERS = "SELECT " + PEER_COLUMNS + """

      FROM peers p JOIN peer_load l ON l.peer_id = p.peer_id
      WHERE p.expires_at > now()
      ORDER BY p.name, p.peer_id LIMIT $1 OFFSET $2""";

  static final String GET_PEER = "SELECT " + PEER_COLUMNS + """

      FROM peers p JOIN peer_load l ON l.peer_id = p.peer_id
      WHERE p.peer_id = $1 AND p.expires_at > now()""";

  static final String PEER_FILES =
      "SELECT sha256, name, size FROM holdings WHERE peer_id = $1 ORDER BY name, sha256";

  // ---- the trackers' own heartbeat ---------------------------------------------------------

  /**
   * The last moment any tracker was alive, locked, and how many seconds ago that was. Taking the
   * lock first makes trackers that come back together take turns: the first one grants the gap,
   * the others find it closed.
   */
  static final String LOCK_TRACKER_HEARTBEAT = """
      SELECT alive_at, extract(epoch FROM clock_timestamp() - alive_at)::float8 AS gap_seconds
      FROM tracker_heartbeat
      FOR UPDATE""";

  /**
   * Gives {@code $2} seconds back to every peer that was live at {@code $1}, the last moment a
   * tracker was; locked in peer-id order. A peer heard from since (a heartbeat taken between the
   * database's return and this grant) gets the time too: it only outlives its TTL if it goes
   * silent, by no more than the outage, whereas telling it apart by {@code last_seen} would also
   * rob the peers that heartbeated after the last beat before the outage.
   */
  static final String EXTEND_STRANDED_PEERS = """
      WITH stranded AS (
        SELECT peer_id FROM peers
        WHERE expires_at > $1
        ORDER BY peer_id
        FOR NO KEY UPDATE
      )
      UPDATE peers p SET expires_at = p.expires_at + make_interval(secs => $2)
      FROM stranded WHERE p.peer_id = stranded.peer_id""";

  static final String TRACKER_ALIVE =
      "UPDATE tracker_heartbeat SET alive_at = greatest(alive_at, clock_timestamp())";

  // ---- files -------------------------------------------------------------------------------

  /**
   * {@code $1} is a LIKE pattern over the lower-cased catalogue name. Walking the catalogue in name
   * order and counting each file's live holders as it goes lets a page stop early, so listing
   * everything costs no more than one page.
   */
  static final String SEARCH_FILES = """
      SELECT f.sha256, f.name, f.size, live.holders
      FROM files f
      CROSS JOIN LATERAL (
        SELECT count(*) AS holders
        FROM holdings h JOIN peers p ON p.peer_id = h.peer_id AND p.expires_at > now()
        WHERE h.sha256 = f.sha256
      ) live
      WHERE lower(f.name) LIKE $1 AND live.holders > 0
      ORDER BY f.name, f.sha256
      LIMIT $2 OFFSET $3""";

  /** The file's catalogue name and size, with each live holder and the size it reported. */
  static final String FILE_HOLDERS = """
      SELECT p.peer_id, p.name AS peer_name, p.address, f.name, f.size, l.active_uploads, h.size AS holder_size
      FROM holdings h
      JOIN peers p ON p.peer_id = h.peer_id AND p.expires_at > now()
      JOIN peer_load l ON l.peer_id = p.peer_id
      JOIN files f ON f.sha256 = h.sha256
      WHERE h.sha256 = $1
      ORDER BY l.active_uploads, p.name, p.peer_id""";

  /**
   * Up to {@code $1} catalogue entries nobody holds, locked; entries a registration has locked are
   * skipped: it is about to hold them.
   */
  static final String LOCK_UNHELD_FILES = """
      SELECT f.sha256 FROM files f
      WHERE NOT EXISTS (SELECT 1 FROM holdings h WHERE h.sha256 = f.sha256)
      ORDER BY f.sha256
      LIMIT $1
      FOR UPDATE SKIP LOCKED""";

  /**
   * Deletes the locked entries that are still unheld. A statement of its own, so that it sees the
   * holdings committed while the entries were being locked.
   */
  static final String DELETE_UNHELD_FILES = """
      DELETE FROM files f
      WHERE f.sha256 = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM holdings h WHERE h.sha256 = f.sha256)""";

  // ---- balancer ----------------------------------------------------------------------------

  /**
   * The peer a token belongs to, and whether any live source other than it and {@code $3} has
   * {@code $2}: a holder or, when the downloader fetches in verified pieces ({@code $4}), a partial
   * holder too, provided the file can then be had whole (migration V11). One lock-free read that
   * answers "not available" without touching the write pool.
   */
  static final String DOWNLOADER_AND_ANY_SOURCE = """
      SELECT d.peer_id, d.name, EXISTS (
        SELECT 1 FROM file_sources($2, $4) f JOIN peers p ON p.peer_id = f.peer_id
        WHERE p.expires_at > now() AND p.peer_id <> d.peer_id AND NOT (p.peer_id = ANY($3::uuid[]))
      ) AND (NOT $4 OR available_in_pieces($2, d.peer_id)) AS found
      FROM peers d WHERE d.token_hash = $1 AND d.expires_at > now()""";

  /**
   * Starts a batch of transfers: {@code $1} their ids, {@code $2} the files, {@code $3} and
   * {@code $4} the downloaders and their names, {@code $5}/{@code $6} pairs of a start's number
   * (from 1) and a holder it must not use, {@code $7} whether each downloader fetches in verified
   * pieces and may be given a partial holder. Each from the least-loaded live source it may use,
   * the candidates locked in peer-id order, in one round trip (migrations V8, V9 and V11 say how).
   * One row a start: {@code item}, {@code outcome} ({@code started}, {@code unavailable},
   * {@code unregistered}) and, when started, the source, what it reported and whether it is partial.
   */
  static final String START_TRANSFERS = """
      SELECT item, outcome, source_id, source_name, address, name, size, started_at, partial
      FROM start_transfers($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::int[], $6::uuid[], $7::boolean[])""";

  // ---- partial holders --------------------------------------------------------------------

  /**
   * Makes {@code $2..$7} the peer {@code $1}'s record of a file it holds in part. The bitfield
   * arrives as its bytes ({@code $6}) and is stored as exactly {@code $5} bits: the zero spare bits
   * of its last byte are cut off, so that the bitfields of one file OR together (migration V11).
   */
  static final String UPSERT_PARTIAL = """
      INSERT INTO partial_holdings (peer_id, sha256, name, size, piece_count, pieces, have)
      VALUES ($1, $2, $3, $4, $5, substring(('x' || encode($6, 'hex'))::bit varying FROM 1 FOR $5), $7)
      ON CONFLICT (peer_id, sha256) DO UPDATE SET
        name = excluded.name, size = excluded.size, piece_count = excluded.piece_count, pieces = excluded.pieces,
        have = excluded.have, updated_at = now()""";

  /**
   * The peer's name and address, and how many partial records and pieces it has in all: read
   * after a report, in its transaction, to refuse one that goes past the limits.
   */
  static final String PARTIALS_OF_PEER = """
      SELECT p.name, p.address, count(ph.sha256) AS records, coalesce(sum(ph.piece_count), 0) AS pieces
      FROM peers p LEFT JOIN partial_holdings ph ON ph.peer_id = p.peer_id
      WHERE p.peer_id = $1
      GROUP BY p.peer_id""";

  static final String DELETE_PARTIAL = "DELETE FROM partial_holdings WHERE peer_id = $1 AND sha256 = $2";

  /** Columns of partial record {@code ph} with its peer {@code p}. */
  private static final String PARTIAL_HOLDER_COLUMNS = """
      ph.peer_id, p.name AS peer_name, p.address, ph.sha256, ph.name, ph.size, ph.piece_count, ph.have""";

  /**
   * Live peers' partial records, newest report first. Not indexed by time: there are as many as
   * downloads under way, and each is rewritten every second or so.
   */
  static final String LIST_PARTIALS = "SELECT " + PARTIAL_HOLDER_COLUMNS + """

      FROM partial_holdings ph JOIN peers p ON p.peer_id = ph.peer_id AND p.expires_at > now()
      ORDER BY ph.updated_at DESC, ph.peer_id, ph.sha256
      LIMIT $1 OFFSET $2""";

  /** As {@link #LIST_PARTIALS}, of the file {@code $1} only. */
  static final String LIST_PARTIALS_OF_FILE = "SELECT " + PARTIAL_HOLDER_COLUMNS + """

      FROM partial_holdings ph JOIN peers p ON p.peer_id = ph.peer_id AND p.expires_at > now()
      WHERE ph.sha256 = $1
      ORDER BY ph.updated_at DESC, ph.peer_id
      LIMIT $2 OFFSET $3""";

  // ---- transfers ---------------------------------------------------------------------------

  /** One active upload of source {@code $1} ended: the last statement of a completion or failure. */
  static final String RELEASE_UPLOAD =
      "UPDATE peer_load SET active_uploads = active_uploads - 1 WHERE peer_id = $1";

  /**
   * The transfer's state, source and bytes, locked: read after any concurrent change of it has
   * committed, so that exactly one of several finishers sees it {@code active}, releases its
   * source's load and adds it to the totals. Progress reports only write active transfers, so the
   * bytes read here are all its progress counted; a failure ends with them, a completion with at
   * least them.
   */
  static final String LOCK_TRANSFER =
      "SELECT state, source_id, bytes FROM transfers WHERE transfer_id = $1 FOR UPDATE";

  private static final String TRANSFER_COLUMNS = """
      t.transfer_id, t.sha256, t.name, t.size, t.source_id, t.source_name, t.downloader_id,
      t.downloader_name, t.bytes, t.state, t.reason, t.started_at""";

  /** The transfer and the token hash of its downloader, if the downloader is still registered. */
  static final String TRANSFER_WITH_DOWNLOADER_TOKEN = "SELECT " + TRANSFER_COLUMNS + """
      , d.token_hash
      FROM transfers t LEFT JOIN peers d ON d.peer_id = t.downloader_id AND d.expires_at > now()
      WHERE t.transfer_id = $1""";

  /**
   * Raises the transfer's bytes to the report, never lowers them, and answers the figure before and
   * after, so the tracker counts what this report adds. The row is locked in the CTE, so two
   * reports at once each see the other's figure, not the same old one.
   */
  static final String UPDATE_PROGRESS = """
      WITH old AS (SELECT transfer_id, bytes FROM transfers WHERE transfer_id = $1 AND state = 'active' FOR UPDATE)
      UPDATE transfers t SET bytes = GREATEST(old.bytes, $2) FROM old WHERE t.transfer_id = old.transfer_id
      RETURNING old.bytes AS previous, t.bytes AS bytes""";

  /**
   * Completes an active transfer, or one abandoned because its source left: the bytes arrived, of
   * which {@code $2} came from this transfer's source (the whole size unless the downloader had
   * several sources).
   */
  static final String COMPLETE_TRANSFER = """
      UPDATE transfers SET state = 'completed', bytes = $2, reason = NULL, finished_at = now()
      WHERE transfer_id = $1 AND state IN ('active', 'abandoned')
      RETURNING sha256, name, size, bytes, source_id, downloader_id""";

  /**
   * Saturates at 2^63-1 instead of failing: sizes reach 2^53-1, so a thousand completions of the
   * largest file would otherwise overflow the bigint and make every later completion from this
   * source fail.
   */
  static final String ADD_SERVED_BYTES =
      "UPDATE peers SET served_total = served_total + LEAST($2, 9223372036854775807 - served_total) WHERE peer_id = $1";

  static final String FAIL_TRANSFER = """
      UPDATE transfers SET state = 'failed', reason = $2, finished_at = now()
      WHERE transfer_id = $1 AND state IN ('active', 'abandoned')""";

  static final String LIST_TRANSFERS = "SELECT " + TRANSFER_COLUMNS + """

      FROM transfers t
      WHERE ($1::text IS NULL OR t.state = $1)
      ORDER BY t.started_at DESC, t.transfer_id
      LIMIT $2 OFFSET $3""";

  /**
   * Up to {@code $2} transfers that finished more than {@code $1} seconds ago, oldest first,
   * deleted; rows another tracker is pruning, or a late completion is ending, are skipped. Their
   * figures live on in {@code transfer_totals} and in their source's {@code served_total}.
   */
  static final String PRUNE_FINISHED_TRANSFERS = """
      WITH expired AS (
        SELECT transfer_id FROM transfers
        WHERE state <> 'active' AND finished_at < now() - make_interval(secs => $1)
        ORDER BY finished_at
        LIMIT $2
        FOR UPDATE SKIP LOCKED
      )
      DELETE FROM transfers t USING expired WHERE t.transfer_id = expired.transfer_id""";

  // ---- totals ------------------------------------------------------------------------------

  /**
   * Adds ended transfers to stripe {@code $1} of the totals: {@code $2} completed ones and
   * {@code $3} bytes that are no longer an active transfer's. The last statement of a transaction
   * that ends transfers.
   */
  static final String ADD_TO_TOTALS = """
      UPDATE transfer_totals
      SET completed_transfers = completed_transfers + $2, finished_bytes = finished_bytes + $3::numeric
      WHERE stripe = $1""";

  // ---- stats -------------------------------------------------------------------------------

  /**
   * Finished transfers are read from the running totals, active ones (a number bounded by the
   * network's size, not its history) from their rows; one statement, so one snapshot, in which a
   * transfer's bytes are in exactly one of the two. Totals saturate at 2^63-1 rather than overflow
   * a client's 64-bit integer.
   */
  static final String STATS = """
      SELECT
        (SELECT count(*) FROM peers WHERE expires_at > now()) AS peers,
        (SELECT count(DISTINCT sha256) FROM holdings) AS files,
        (SELECT count(*) FROM holdings) AS holdings,
        active.transfers AS active_transfers,
        LEAST(totals.completed, 9223372036854775807)::bigint AS completed_transfers,
        LEAST(totals.bytes + active.bytes, 9223372036854775807)::bigint AS bytes_transferred
      FROM
        (SELECT count(*) AS transfers, coalesce(sum(bytes), 0) AS bytes FROM transfers WHERE state = 'active') active,
        (SELECT sum(completed_transfers) AS completed, sum(finished_bytes) AS bytes FROM transfer_totals) totals""";

  // ---- planner statistics ------------------------------------------------------------------

  /**
   * Which of the tables {@code $1} have had more than {@code $2} rows plus the fraction {@code $3}
   * of their live rows changed since they were last analyzed, by anyone (the tracker or
   * autovacuum). Reads the statistics system's counters, not the tables.
   */
  static final String TABLES_TO_ANALYZE = """
      SELECT relname FROM pg_stat_user_tables
      WHERE schemaname = current_schema() AND relname = ANY($1::text[])
        AND n_mod_since_analyze > $2 + $3 * n_live_tup""";

  /**
   * Prefix of the ANALYZE of the tables named after it (only ever names from a fixed list). It
   * reads a bounded sample of each table (300 x the statistics target rows), and takes a lock that
   * neither reads nor writes wait for; a table another ANALYZE or a vacuum holds is skipped rather
   * than waited for, and left to the next check.
   */
  static final String ANALYZE_SKIP_LOCKED = "ANALYZE (SKIP_LOCKED) ";

  /** For the ANALYZE's transaction: the pool's few seconds are for requests, not for sampling a big table. */
  static final String ANALYZE_TIMEOUT = "SET LOCAL statement_timeout = '60s'";
}
