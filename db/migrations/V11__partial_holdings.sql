-- Partial holders: peers still downloading a file that serve the pieces they have verified so far,
-- so that a crowd of downloaders arriving at once feeds itself instead of queueing at the few
-- whole holders (BitTorrent's swarm). A peer reports which pieces it has as a bitfield, about once
-- a second per download, and withdraws it when it stops; leaving or expiring removes its records
-- with it (ON DELETE CASCADE). The balancer leases a partial holder only to downloaders that fetch
-- in verified pieces and say so, and to them a file whose only holders are partial is available
-- only when their pieces together make the whole file.
--
-- Lookups, searches, "not available" to whole-file downloaders and the read model know nothing of
-- partial holders: they answer "who holds this file?", and a partial holder does not. So nothing
-- here notifies shoal_registry (V7).

CREATE TABLE partial_holdings (
    peer_id     uuid        NOT NULL REFERENCES peers ON DELETE CASCADE,
    sha256      text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    -- What the peer calls the file and the size it gives, as a holding's (V1): a transfer from this
    -- peer carries them.
    name        text        NOT NULL,
    size        bigint      NOT NULL,
    -- A piece is at least a byte, so a file has no more pieces than bytes, and an empty one none.
    piece_count integer     NOT NULL CHECK (piece_count BETWEEN 1 AND 134217728 AND piece_count <= size),
    -- Bit i set: the peer has verified piece i. Exactly piece_count bits long, so that the
    -- bitfields of one file OR together (bit_or) into what its partial holders have between them.
    pieces      bit varying NOT NULL CHECK (length(pieces) = piece_count),
    -- The set bits of pieces. A report with none deletes the record instead: a partial holder
    -- always has something to serve.
    have        integer     NOT NULL CHECK (have BETWEEN 1 AND piece_count),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (peer_id, sha256)
);

-- The balancer and the listing go from a file to its partial holders. The listing's newest-first
-- order is not indexed: there are as many records as downloads under way, each rewritten every
-- second, and an index on the time would be rewritten with it.
CREATE INDEX partial_holdings_sha256 ON partial_holdings (sha256);

-- The peers a start may fetch wanted from, each with the name and size it reported and whether it
-- holds the file only in part: the file's holders and, for a downloader that fetches in verified
-- pieces (accepts_partial), its partial holders. A peer that holds the file whole is only that,
-- whatever it reported besides. Liveness, the downloader and exclusions are the caller's to filter.
CREATE FUNCTION file_sources(wanted text, accepts_partial boolean)
RETURNS TABLE (peer_id uuid, name text, size bigint, partial boolean)
LANGUAGE sql STABLE AS $$
  SELECT h.peer_id, h.name, h.size, false FROM holdings h WHERE h.sha256 = wanted
  UNION ALL
  SELECT ph.peer_id, ph.name, ph.size, true FROM partial_holdings ph
  WHERE accepts_partial AND ph.sha256 = wanted
    AND NOT EXISTS (SELECT 1 FROM holdings h WHERE h.peer_id = ph.peer_id AND h.sha256 = wanted)
$$;

-- Whether a downloader fetching in verified pieces can get the whole of wanted: a live peer other
-- than it holds the file whole (whether or not the downloader excludes it), or the live partial
-- holders' pieces, the downloader's own among them, make the whole file between them. Only
-- bitfields of the same piece count and size are put together: a peer that lies about either
-- cannot fill the honest ones' gaps.
CREATE FUNCTION available_in_pieces(wanted text, downloader uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM holdings h JOIN peers p ON p.peer_id = h.peer_id
                 WHERE h.sha256 = wanted AND h.peer_id <> downloader AND p.expires_at > now())
      OR EXISTS (SELECT 1 FROM partial_holdings ph JOIN peers p ON p.peer_id = ph.peer_id
                 WHERE ph.sha256 = wanted AND p.expires_at > now()
                 GROUP BY ph.piece_count, ph.size
                 HAVING position(B'0' IN bit_or(ph.pieces)) = 0)
$$;

-- start_transfers (V9) with partial holders. Each start says whether its downloader fetches in
-- verified pieces (accepts_partial, one element a start; a missing element counts as false): such
-- a start may be given a partial holder, chosen by the same least-loaded rule among the file's
-- whole and partial holders alike, and is 'unavailable' when the chosen one is partial and the
-- file cannot be had whole (available_in_pieces). Each started row says whether its source is
-- partial; a transfer from a partial holder carries the name and size of its partial record and is
-- in every other way an ordinary transfer. Starts that do not accept partial holders get exactly
-- what V9 gave them. Batching, locks and their order are V9's: the candidates of every start,
-- partial ones included, locked in one statement in peer-id order, the load rows last.

DROP FUNCTION start_transfers(uuid[], text[], uuid[], text[], int[], uuid[]);

CREATE FUNCTION start_transfers(
    transfer_ids uuid[], wanted text[], downloaders uuid[], downloader_names text[],
    excluded_items int[], excluded_peers uuid[], accepts_partial boolean[])
RETURNS TABLE (item int, outcome text, source_id uuid, source_name text, address text, name text, size bigint,
               started_at timestamptz, partial boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  locked uuid[];
  chosen record;
  -- The starts that found a source, in order: their numbers, sources and what the sources reported.
  started int[] := '{}';
  picked uuid[] := '{}';
  source_names text[] := '{}';
  addresses text[] := '{}';
  names text[] := '{}';
  sizes bigint[] := '{}';
  partials boolean[] := '{}';
  chosen_at timestamptz := clock_timestamp();
  i int;
BEGIN
  -- Every live peer any start of the batch may use, locked: concurrent starts that share a source
  -- take turns from here to their commit. FOR NO KEY UPDATE leaves other transactions'
  -- foreign-key checks (FOR KEY SHARE) unblocked. The candidates are listed first (ARRAY, run
  -- once) and locked by that list: a peer row that a start this one waited for has updated is then
  -- checked again against the list alone. Checked again against a join with file_sources, whose
  -- UNION ALL PostgreSQL does not fetch again for the new row, it would be dropped, and the
  -- start would find its only source missing.
  SELECT array_agg(candidate.peer_id) INTO locked FROM (
    SELECT p.peer_id FROM peers p
    WHERE p.expires_at > now() AND p.peer_id = ANY (ARRAY(
      SELECT f.peer_id
      FROM unnest(wanted, downloaders, accepts_partial) WITH ORDINALITY AS s(sha256, downloader, in_pieces, item)
      CROSS JOIN LATERAL file_sources(s.sha256, s.in_pieces) f
      WHERE f.peer_id <> s.downloader
        AND NOT EXISTS (SELECT 1 FROM unnest(excluded_items, excluded_peers) AS e(item, peer_id)
                        WHERE e.item = s.item AND e.peer_id = f.peer_id)))
    ORDER BY p.peer_id
    FOR NO KEY UPDATE OF p
  ) candidate;

  -- The choices, one start after another; everything they write is written after the loop, in
  -- one statement a table, which costs a fraction of a statement a start.
  FOR i IN 1 .. coalesce(array_length(transfer_ids, 1), 0) LOOP
    -- The tracker may know the downloader from its read model, a moment behind the database.
    IF NOT EXISTS (SELECT 1 FROM peers WHERE peer_id = downloaders[i]) THEN
      RETURN QUERY SELECT i, 'unregistered'::text, NULL::uuid, NULL::text, NULL::text, NULL::text, NULL::bigint,
                          NULL::timestamptz, NULL::boolean;
      CONTINUE;
    END IF;

    -- Least active uploads first, then chosen fewest times, then chosen longest ago, counting the
    -- choices made earlier in this batch as if they were written already: each adds an upload and
    -- a choice, and is more recent than any time the table holds, in the order they were made.
    -- With the name and size the chosen source reported, which the transfer carries.
    SELECT p.peer_id, p.name AS peer_name, p.address, f.name, f.size, f.partial INTO chosen
    FROM file_sources(wanted[i], accepts_partial[i]) f
    JOIN peers p ON p.peer_id = f.peer_id
    JOIN peer_load l ON l.peer_id = p.peer_id
    CROSS JOIN LATERAL (SELECT count(*) AS picks, max(x.n) AS last_pick
                        FROM unnest(picked) WITH ORDINALITY AS x(peer_id, n) WHERE x.peer_id = f.peer_id) b
    -- array_position, not = ANY: a filter on the file's few sources, where = ANY would have the
    -- planner fetch every locked peer of the batch by its index, for each start.
    WHERE f.peer_id <> downloaders[i] AND array_position(locked, f.peer_id) IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM unnest(excluded_items, excluded_peers) AS e(item, peer_id)
                      WHERE e.item = i AND e.peer_id = f.peer_id)
    ORDER BY l.active_uploads + b.picks, p.times_chosen + b.picks, b.last_pick NULLS FIRST,
             p.last_chosen_at NULLS FIRST, p.peer_id
    LIMIT 1;
    -- A whole holder as the source proves the file available; a partial one needs the check.
    IF NOT FOUND OR (chosen.partial AND NOT available_in_pieces(wanted[i], downloaders[i])) THEN
      RETURN QUERY SELECT i, 'unavailable'::text, NULL::uuid, NULL::text, NULL::text, NULL::text, NULL::bigint,
                          NULL::timestamptz, NULL::boolean;
      CONTINUE;
    END IF;
    started := started || i;
    picked := picked || chosen.peer_id;
    source_names := source_names || chosen.peer_name;
    addresses := addresses || chosen.address;
    names := names || chosen.name;
    sizes := sizes || chosen.size;
    partials := partials || chosen.partial;
  END LOOP;

  RETURN QUERY
  WITH chosen_sources AS (
    SELECT * FROM unnest(started, picked, source_names, addresses, names, sizes, partials)
      AS c(item, source_id, source_name, address, name, size, partial)
  ), inserted AS (
    INSERT INTO transfers AS t (transfer_id, sha256, name, size, source_id, source_name, downloader_id, downloader_name)
    SELECT transfer_ids[c.item], wanted[c.item], c.name, c.size, c.source_id, c.source_name, downloaders[c.item],
           downloader_names[c.item]
    FROM chosen_sources c
    RETURNING t.transfer_id, t.started_at
  )
  SELECT c.item, 'started'::text, c.source_id, c.source_name, c.address, c.name, c.size, ins.started_at, c.partial
  FROM chosen_sources c JOIN inserted ins ON ins.transfer_id = transfer_ids[c.item];

  -- Chosen once more each, and at the time of its last choice here: one microsecond a start after
  -- the batch began, so later batches see this one's choices in the order they were made.
  UPDATE peers p
  SET times_chosen = p.times_chosen + (SELECT count(*) FROM unnest(picked) AS x(peer_id) WHERE x.peer_id = p.peer_id),
      last_chosen_at = chosen_at + (SELECT max(x.n) FROM unnest(picked) WITH ORDINALITY AS x(peer_id, n)
                                    WHERE x.peer_id = p.peer_id) * interval '1 microsecond'
  WHERE p.peer_id = ANY(picked);

  PERFORM 1 FROM peer_load WHERE peer_id = ANY(picked) ORDER BY peer_id FOR NO KEY UPDATE;
  UPDATE peer_load l
  SET active_uploads = l.active_uploads + (SELECT count(*) FROM unnest(picked) AS x(peer_id) WHERE x.peer_id = l.peer_id)
  WHERE l.peer_id = ANY(picked);
END
$$;
