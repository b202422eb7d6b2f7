-- The last moment any tracker was alive and talking to this database. Every tracker moves it
-- forward every second or so; a start, or a database coming back, that finds it far behind knows
-- that no tracker was alive in between, and gives the peers that much time back: they could not
-- heartbeat while nobody listened. Trackers sharing the database share the row, so the gap
-- counts only when all of them were down.
CREATE TABLE tracker_heartbeat (
    only_row boolean     PRIMARY KEY DEFAULT true CHECK (only_row),
    alive_at timestamptz NOT NULL
);

INSERT INTO tracker_heartbeat (alive_at) VALUES (now());
