-- Every change to who is online, what they hold, when they expire and how loaded they are is
-- announced on the channel shoal_registry by the transaction that makes it, so every tracker's
-- in-memory read model hears of it when (and only if) it commits. The payload is a kind and a peer
-- id; the listener reads that peer's rows again, so a payload never carries state that could
-- arrive out of order. PostgreSQL folds identical notifications of one transaction into one: a
-- registration of 10 000 files sends a single 'h'.
--   h:<peer id>  the peer joined or left, or its holdings changed: its row and holdings are read again
--   r:<peer id>  its expiry (a heartbeat, an outage's grace) or its load changed: its row is read again
-- Being chosen by the balancer (times_chosen) and bytes served change nothing a lookup shows, and
-- notify nothing.

CREATE FUNCTION notify_registry_peer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('shoal_registry',
    TG_ARGV[0] || ':' || (CASE WHEN TG_OP = 'DELETE' THEN OLD.peer_id ELSE NEW.peer_id END));
  RETURN NULL;
END
$$;

CREATE TRIGGER peers_notify_joined_or_left AFTER INSERT OR DELETE ON peers
  FOR EACH ROW EXECUTE FUNCTION notify_registry_peer('h');

CREATE TRIGGER peers_notify_expiry AFTER UPDATE OF expires_at ON peers
  FOR EACH ROW WHEN (OLD.expires_at IS DISTINCT FROM NEW.expires_at) EXECUTE FUNCTION notify_registry_peer('r');

CREATE TRIGGER peer_load_notify AFTER UPDATE OF active_uploads ON peer_load
  FOR EACH ROW WHEN (OLD.active_uploads IS DISTINCT FROM NEW.active_uploads) EXECUTE FUNCTION notify_registry_peer('r');

-- Holdings change by the thousand in one statement: one notification per peer a statement touched.
CREATE FUNCTION notify_registry_holdings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('shoal_registry', 'h:' || touched.peer_id)
  FROM (SELECT DISTINCT peer_id FROM changed) touched;
  RETURN NULL;
END
$$;

CREATE TRIGGER holdings_notify_added AFTER INSERT ON holdings
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION notify_registry_holdings();

CREATE TRIGGER holdings_notify_renamed AFTER UPDATE ON holdings
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION notify_registry_holdings();

CREATE TRIGGER holdings_notify_removed AFTER DELETE ON holdings
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION notify_registry_holdings();
