-- A transfer's start in one round trip: the balancer's choice, the transfer's row and its
-- source's load, which took a transaction of six round trips from the tracker (BEGIN, lock the
-- candidates, choose, mark the chosen, insert, count the upload, COMMIT), each one holding the
-- candidates' locks a little longer. The tracker calls it as a statement of its own, so it is its
-- own transaction, bounded as a whole by the connection's statement_timeout and each of its lock
-- waits by lock_timeout.
--
-- A function, not one data-modifying statement: under READ COMMITTED every statement in a
-- volatile function reads a snapshot of its own, so the choice, made after the candidates are
-- locked, sees the uploads that the starts it waited for have committed. One statement reads one
-- snapshot, taken before its lock waits, and would send concurrent starts to the same holder.
--
-- Locks in the registry's order (RegistryQueries): the candidates' peer rows in peer-id order,
-- then the new transfer's foreign-key checks, and the source's peer_load row last.
--
-- No row when nobody but the downloader and the excluded peers holds the file: nothing is locked
-- or written then.

CREATE FUNCTION start_transfer(
    new_transfer_id uuid, wanted_sha256 text, downloader uuid, downloader_name text, excluded uuid[])
RETURNS TABLE (source_id uuid, source_name text, address text, name text, size bigint, started_at timestamptz)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  candidates uuid[];
  chosen record;
BEGIN
  -- Every live holder the downloader may use, locked: concurrent starts that share a holder take
  -- turns from here to their commit. FOR NO KEY UPDATE leaves other transactions' foreign-key
  -- checks (FOR KEY SHARE) unblocked.
  SELECT array_agg(locked.peer_id) INTO candidates FROM (
    SELECT p.peer_id FROM holdings h JOIN peers p ON p.peer_id = h.peer_id
    WHERE h.sha256 = wanted_sha256 AND p.expires_at > now()
      AND p.peer_id <> downloader AND NOT (p.peer_id = ANY(excluded))
    ORDER BY p.peer_id
    FOR NO KEY UPDATE OF p
  ) locked;
  IF candidates IS NULL THEN
    RETURN;
  END IF;

  -- Least active uploads first, then chosen fewest times, then chosen longest ago; with the name
  -- and size the chosen holder reported, which the transfer carries, not the catalogue's.
  SELECT p.peer_id, p.name AS peer_name, p.address, h.name, h.size INTO chosen
  FROM holdings h
  JOIN peers p ON p.peer_id = h.peer_id
  JOIN peer_load l ON l.peer_id = p.peer_id
  WHERE h.sha256 = wanted_sha256 AND p.peer_id = ANY(candidates)
  ORDER BY l.active_uploads, p.times_chosen, p.last_chosen_at NULLS FIRST, p.peer_id
  LIMIT 1;
  IF NOT FOUND THEN
    RETURN;
  END IF;

  UPDATE peers SET times_chosen = times_chosen + 1, last_chosen_at = clock_timestamp()
  WHERE peer_id = chosen.peer_id;

  RETURN QUERY
  INSERT INTO transfers AS t (transfer_id, sha256, name, size, source_id, source_name, downloader_id, downloader_name)
  VALUES (new_transfer_id, wanted_sha256, chosen.name, chosen.size, chosen.peer_id, chosen.peer_name,
          downloader, downloader_name)
  RETURNING t.source_id, t.source_name, chosen.address, t.name, t.size, t.started_at;

  UPDATE peer_load SET active_uploads = active_uploads + 1 WHERE peer_id = chosen.peer_id;
END
$$;
