-- A peer's load as a counter, kept by the transactions that start and end transfers, instead of
-- counting its active uploads on every lookup and balancer choice. The count cost a subquery per
-- holder, and its cached plan went stale while the transfers table grew faster than PostgreSQL
-- re-analysed it (a sequential scan of every transfer per holder; bench/README.md, finding 4).
--
-- It is a table of its own, not a column of peers, so that updating it never waits in the peers'
-- lock order: transactions take these rows last, several of them in peer-id order.

CREATE TABLE peer_load (
    peer_id        uuid    PRIMARY KEY REFERENCES peers ON DELETE CASCADE,
    -- Transfers in state 'active' with this peer as their source.
    active_uploads integer NOT NULL DEFAULT 0 CHECK (active_uploads >= 0)
);

INSERT INTO peer_load (peer_id, active_uploads)
SELECT p.peer_id, count(t.transfer_id)
FROM peers p LEFT JOIN transfers t ON t.source_id = p.peer_id AND t.state = 'active'
GROUP BY p.peer_id;

-- Nothing counts active uploads any more. Departures find every transfer naming a peer, finished
-- ones included, so they need these columns indexed whatever the state.
DROP INDEX transfers_active_source;
DROP INDEX transfers_active_downloader;
CREATE INDEX transfers_source ON transfers (source_id);
CREATE INDEX transfers_downloader ON transfers (downloader_id);
