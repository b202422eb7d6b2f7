-- Transfer starts in batches. The tracker sends the starts that arrive while its earlier calls
-- are still running as one call of start_transfers: one round trip, one transaction and one commit
-- for all of them. Under load a batch shares the round trip, the commit and each statement's fixed
-- cost; alone, a start is a batch of one and costs what start_transfer (V8) cost.
--
-- What V8 said holds for every start of a batch: the least-loaded choice among live holders
-- locked before it is made, the transfer's row and the source's load, in the registry's lock
-- order (RegistryQueries). A batch locks the candidates of all its starts in one statement, in
-- peer-id order, so batches of any trackers never wait for each other in a circle; each start then
-- chooses among its own candidates, counting the uploads that the transactions it waited for have
-- added (a volatile function's statements each read a snapshot of their own) and those the starts
-- before it in the batch will add. The sources' load rows are written last, all at once, in
-- peer-id order, as a departure takes them.
--
-- Arguments are parallel arrays, one element a start; excluded holders come as pairs
-- (excluded_items[k], excluded_peers[k]): start number excluded_items[k], counted from 1, must not
-- use excluded_peers[k]. One row a start, item its number:
--   started       the transfer is written; the source, its address, the name and size it reported
--   unavailable   no live holder but the downloader and the excluded holds the file; nothing written
--   unregistered  the downloader left before its start ran; nothing written

DROP FUNCTION start_transfer(uuid, text, uuid, text, uuid[]);

CREATE FUNCTION start_transfers(
    transfer_ids uuid[], wanted text[], downloaders uuid[], downloader_names text[],
    excluded_items int[], excluded_peers uuid[])
RETURNS TABLE (item int, outcome text, source_id uuid, source_name text, address text, name text, size bigint,
               started_at timestamptz)
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
  chosen_at timestamptz := clock_timestamp();
  i int;
BEGIN
  -- Every live holder any start of the batch may use, locked: concurrent starts that share a
  -- holder take turns from here to their commit. FOR NO KEY UPDATE leaves other transactions'
  -- foreign-key checks (FOR KEY SHARE) unblocked.
  SELECT array_agg(candidate.peer_id) INTO locked FROM (
    SELECT p.peer_id FROM peers p
    WHERE p.expires_at > now() AND p.peer_id IN (
      SELECT h.peer_id
      FROM unnest(wanted, downloaders) WITH ORDINALITY AS s(sha256, downloader, item)
      JOIN holdings h ON h.sha256 = s.sha256 AND h.peer_id <> s.downloader
      WHERE NOT EXISTS (SELECT 1 FROM unnest(excluded_items, excluded_peers) AS e(item, peer_id)
                        WHERE e.item = s.item AND e.peer_id = h.peer_id))
    ORDER BY p.peer_id
    FOR NO KEY UPDATE OF p
  ) candidate;

  -- The choices, one start after another; everything they write is written after the loop, in
  -- one statement a table, which costs a fraction of a statement a start.
  FOR i IN 1 .. coalesce(array_length(transfer_ids, 1), 0) LOOP
    -- The tracker may know the downloader from its read model, a moment behind the database.
    IF NOT EXISTS (SELECT 1 FROM peers WHERE peer_id = downloaders[i]) THEN
      RETURN QUERY SELECT i, 'unregistered'::text, NULL::uuid, NULL::text, NULL::text, NULL::text, NULL::bigint,
                          NULL::timestamptz;
      CONTINUE;
    END IF;

    -- Least active uploads first, then chosen fewest times, then chosen longest ago, counting the
    -- choices made earlier in this batch as if they were written already: each adds an upload and
    -- a choice, and is more recent than any time the table holds, in the order they were made.
    -- With the name and size the chosen holder reported, which the transfer carries.
    SELECT p.peer_id, p.name AS peer_name, p.address, h.name, h.size INTO chosen
    FROM holdings h
    JOIN peers p ON p.peer_id = h.peer_id
    JOIN peer_load l ON l.peer_id = p.peer_id
    CROSS JOIN LATERAL (SELECT count(*) AS picks, max(x.n) AS last_pick
                        FROM unnest(picked) WITH ORDINALITY AS x(peer_id, n) WHERE x.peer_id = h.peer_id) b
    -- array_position, not = ANY: a filter on the file's few holdings, where = ANY would have the
    -- planner fetch every locked peer of the batch by its index, for each start.
    WHERE h.sha256 = wanted[i] AND h.peer_id <> downloaders[i] AND array_position(locked, h.peer_id) IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM unnest(excluded_items, excluded_peers) AS e(item, peer_id)
                      WHERE e.item = i AND e.peer_id = h.peer_id)
    ORDER BY l.active_uploads + b.picks, p.times_chosen + b.picks, b.last_pick NULLS FIRST,
             p.last_chosen_at NULLS FIRST, p.peer_id
    LIMIT 1;
    IF NOT FOUND THEN
      RETURN QUERY SELECT i, 'unavailable'::text, NULL::uuid, NULL::text, NULL::text, NULL::text, NULL::bigint,
                          NULL::timestamptz;
      CONTINUE;
    END IF;
    started := started || i;
    picked := picked || chosen.peer_id;
    source_names := source_names || chosen.peer_name;
    addresses := addresses || chosen.address;
    names := names || chosen.name;
    sizes := sizes || chosen.size;
  END LOOP;

  RETURN QUERY
  WITH chosen_sources AS (
    SELECT * FROM unnest(started, picked, source_names, addresses, names, sizes)
      AS c(item, source_id, source_name, address, name, size)
  ), inserted AS (
    INSERT INTO transfers AS t (transfer_id, sha256, name, size, source_id, source_name, downloader_id, downloader_name)
    SELECT transfer_ids[c.item], wanted[c.item], c.name, c.size, c.source_id, c.source_name, downloaders[c.item],
           downloader_names[c.item]
    FROM chosen_sources c
    RETURNING t.transfer_id, t.started_at
  )
  SELECT c.item, 'started'::text, c.source_id, c.source_name, c.address, c.name, c.size, ins.started_at
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
