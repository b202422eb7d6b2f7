-- A catalogue of every file ever reported, one row per SHA-256, for name search and listing.
-- Holdings index each name once per holder (10 holders: 10 entries), which made searches scan
-- far more than they return; the catalogue indexes each file once. Who holds a file is still
-- read from holdings, so a file nobody holds any more simply has no live holder and is not shown.

CREATE TABLE files (
    sha256 text   PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    -- The name it was first reported under; holders may call their copies otherwise.
    name   text   NOT NULL,
    size   bigint NOT NULL CHECK (size >= 0)
);

INSERT INTO files (sha256, name, size)
SELECT DISTINCT ON (sha256) sha256, name, size FROM holdings ORDER BY sha256, name;

CREATE INDEX files_name_trgm ON files USING gin (lower(name) gin_trgm_ops);
CREATE INDEX files_by_name ON files (name, sha256);

-- Name search now goes through the catalogue.
DROP INDEX holdings_name_trgm;
