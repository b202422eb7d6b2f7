-- The network's running totals of finished transfers, kept by the transactions that end them, so
-- that finished transfers can be pruned after a retention period without changing any figure a
-- user sees, and so that the stats cost the same after ten million transfers as after ten (they
-- counted and summed every transfer ever made).
--
-- Striped: each ending transaction adds to one of 16 rows, chosen by the transfer's (or the
-- departing peer's) id, and the stats sum them. One row would make every completion of every
-- tracker on this database wait for the previous one's commit; with 16, two concurrent ones
-- rarely meet. A transaction takes at most one stripe, as its very last lock.
--
-- bytes is numeric: sizes reach 2^53-1, so about a thousand completions of the largest file would
-- overflow a bigint and make every later completion fail. numeric is exact and never overflows;
-- the API saturates at 2^63-1 when it reports it.

CREATE TABLE transfer_totals (
    stripe              smallint PRIMARY KEY CHECK (stripe BETWEEN 0 AND 15),
    -- Transfers that ended completed.
    completed_transfers bigint  NOT NULL DEFAULT 0 CHECK (completed_transfers >= 0),
    -- bytes of every transfer that is no longer active (completed, failed, abandoned), pruned or
    -- not: with the bytes of the active ones this is what the stats always reported.
    finished_bytes      numeric NOT NULL DEFAULT 0 CHECK (finished_bytes >= 0)
);

INSERT INTO transfer_totals (stripe) SELECT generate_series(0, 15);

UPDATE transfer_totals SET
    completed_transfers = (SELECT count(*) FROM transfers WHERE state = 'completed'),
    finished_bytes = (SELECT coalesce(sum(bytes), 0) FROM transfers WHERE state <> 'active')
WHERE stripe = 0;

-- The pruning sweep walks finished transfers oldest first; active ones are never in this index.
CREATE INDEX transfers_finished_at ON transfers (finished_at) WHERE state <> 'active';

-- Totals are sums of these: none of them may ever be negative.
ALTER TABLE transfers ADD CONSTRAINT transfers_bytes_within_size CHECK (bytes >= 0 AND bytes <= size);
ALTER TABLE peers ADD CONSTRAINT peers_served_total_not_negative CHECK (served_total >= 0);
