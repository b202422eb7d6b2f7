-- A holdings change names the files it touched when a statement changed only a few holdings of a
-- peer: 'f:<peer id>:<sha256>' for each, so that every tracker's read model reads those rows
-- again, not everything the peer holds. A download's completion adds one holding to a peer that
-- may hold thousands; with V7's 'h:<peer id>' each tracker read all of them. A statement that
-- changed more than eight holdings of a peer (a registration, a leave) still sends 'h:<peer id>',
-- and the peer is read whole. PostgreSQL folds identical notifications of one transaction.

CREATE OR REPLACE FUNCTION notify_registry_holdings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('shoal_registry', touched.payload)
  FROM (
    SELECT DISTINCT CASE WHEN c.changed_of_peer <= 8 THEN 'f:' || c.peer_id || ':' || c.sha256
                         ELSE 'h:' || c.peer_id END AS payload
    FROM (SELECT peer_id, sha256, count(*) OVER (PARTITION BY peer_id) AS changed_of_peer FROM changed) c
  ) touched;
  RETURN NULL;
END
$$;
