-- The tracker's registry: who is online, what each peer holds, and what moves between them.
-- Every piece of tracker state lives here, so several tracker processes can share one database.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE peers (
    peer_id        uuid        PRIMARY KEY,
    name           text        NOT NULL,
    address        text        NOT NULL,
    -- SHA-256 of the bearer token; the token itself is never stored.
    token_hash     bytea       NOT NULL UNIQUE,
    registered_at  timestamptz NOT NULL DEFAULT now(),
    last_seen      timestamptz NOT NULL DEFAULT now(),
    -- A peer whose expires_at has passed is gone, whether or not the sweeper has deleted it yet.
    expires_at     timestamptz NOT NULL,
    -- Bytes this peer has served in completed transfers.
    served_total   bigint      NOT NULL DEFAULT 0,
    -- Tie-breakers of the least-loaded balancer.
    times_chosen   bigint      NOT NULL DEFAULT 0,
    last_chosen_at timestamptz
);

CREATE INDEX peers_expires_at ON peers (expires_at);

-- What each peer holds. A file's catalogue entry is derived from its holdings: a file nobody
-- holds simply has no rows, so it can never be offered.
CREATE TABLE holdings (
    peer_id uuid   NOT NULL REFERENCES peers ON DELETE CASCADE,
    sha256  text   NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    name    text   NOT NULL,
    size    bigint NOT NULL CHECK (size >= 0),
    PRIMARY KEY (peer_id, sha256)
);

CREATE INDEX holdings_sha256 ON holdings (sha256);
CREATE INDEX holdings_name_trgm ON holdings USING gin (lower(name) gin_trgm_ops);

CREATE TABLE transfers (
    transfer_id     uuid        PRIMARY KEY,
    sha256          text        NOT NULL,
    name            text        NOT NULL,
    size            bigint      NOT NULL,
    -- Names are copied so that finished transfers stay readable after their peers leave.
    source_id       uuid        REFERENCES peers ON DELETE SET NULL,
    source_name     text        NOT NULL,
    downloader_id   uuid        REFERENCES peers ON DELETE SET NULL,
    downloader_name text        NOT NULL,
    bytes           bigint      NOT NULL DEFAULT 0,
    -- 'abandoned': the downloader or the source left or expired before finishing.
    state           text        NOT NULL DEFAULT 'active'
                                CHECK (state IN ('active', 'completed', 'failed', 'abandoned')),
    reason          text,
    started_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);

-- A peer's load is its number of active uploads: this index makes counting it cheap.
CREATE INDEX transfers_active_source ON transfers (source_id) WHERE state = 'active';
CREATE INDEX transfers_active_downloader ON transfers (downloader_id) WHERE state = 'active';
CREATE INDEX transfers_state_started ON transfers (state, started_at DESC);
