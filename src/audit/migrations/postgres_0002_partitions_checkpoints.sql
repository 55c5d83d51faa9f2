-- audit_records becomes a table partitioned by month of ts_ms (UTC), so old months can be
-- archived and dropped without touching the hot path. Existing rows keep their place in their
-- chain: they are copied into the monthly partition they belong to.
ALTER TABLE audit_records RENAME TO audit_records_v1;
ALTER TABLE audit_records_v1 RENAME CONSTRAINT audit_records_pkey TO audit_records_v1_pkey;
ALTER TABLE audit_records_v1 RENAME CONSTRAINT audit_records_request_id_key TO audit_records_v1_request_id_key;
DROP INDEX IF EXISTS audit_records_ts;
DROP INDEX IF EXISTS audit_records_agency;
DROP INDEX IF EXISTS audit_records_consumer;
DROP INDEX IF EXISTS audit_records_outcome;

CREATE TABLE audit_records (
    node_id              TEXT   NOT NULL,
    seq                  BIGINT NOT NULL,
    request_id           TEXT   NOT NULL,
    ts_ms                BIGINT NOT NULL,
    consumer             TEXT,
    agency               TEXT,
    dataset              TEXT,
    method               TEXT   NOT NULL,
    purpose              TEXT,
    outcome              TEXT   NOT NULL,
    status               BIGINT NOT NULL,
    legal_basis          TEXT,
    reason               TEXT,
    decided_by           TEXT,
    justification_status TEXT,
    request_schema       TEXT   NOT NULL,
    response_schema      TEXT   NOT NULL,
    request_sha256       TEXT,
    response_sha256      TEXT,
    latency_us           BIGINT NOT NULL,
    source_latency_us    BIGINT,
    detail               TEXT,
    prev_hash            TEXT   NOT NULL,
    hash                 TEXT   NOT NULL,
    -- A partitioned table's keys must include the partition key; one writer per node plus the
    -- optimistic check on audit_chains keep (node_id, seq) unique.
    PRIMARY KEY (node_id, seq, ts_ms)
) PARTITION BY RANGE (ts_ms);

-- Create the partition for the UTC month holding `month` if it is missing; returns its name.
CREATE OR REPLACE FUNCTION dxgate_audit_partition(month date) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    first_day timestamp := date_trunc('month', month::timestamp);
    from_ms   bigint := (extract(epoch FROM first_day AT TIME ZONE 'UTC') * 1000)::bigint;
    to_ms     bigint := (extract(epoch FROM (first_day + interval '1 month') AT TIME ZONE 'UTC') * 1000)::bigint;
    part      text := 'audit_records_' || to_char(first_day, 'YYYY_MM');
BEGIN
    IF to_regclass(part) IS NULL THEN
        EXECUTE format('CREATE TABLE %I PARTITION OF audit_records FOR VALUES FROM (%s) TO (%s)',
                       part, from_ms, to_ms);
    END IF;
    RETURN part;
END $$;

SELECT dxgate_audit_partition(m) FROM (
    SELECT DISTINCT (to_timestamp(ts_ms / 1000.0) AT TIME ZONE 'UTC')::date AS m FROM audit_records_v1
) months;
SELECT dxgate_audit_partition((now() AT TIME ZONE 'UTC')::date);
-- Rows whose month has no partition yet (clock skew) land here instead of failing closed.
CREATE TABLE audit_records_default PARTITION OF audit_records DEFAULT;

INSERT INTO audit_records SELECT * FROM audit_records_v1;
DROP TABLE audit_records_v1;

CREATE INDEX audit_records_request ON audit_records (request_id);
CREATE INDEX audit_records_ts ON audit_records (ts_ms);
CREATE INDEX audit_records_agency ON audit_records (agency, dataset, ts_ms);
CREATE INDEX audit_records_consumer ON audit_records (consumer, ts_ms);
CREATE INDEX audit_records_outcome ON audit_records (outcome, ts_ms);

CREATE TABLE audit_chains (
    node_id    TEXT   PRIMARY KEY,
    seq        BIGINT NOT NULL,
    hash       TEXT   NOT NULL,
    updated_ms BIGINT NOT NULL
);
INSERT INTO audit_chains (node_id, seq, hash, updated_ms)
    SELECT DISTINCT ON (node_id) node_id, seq, hash, 0 FROM audit_records ORDER BY node_id, seq DESC;
CREATE TABLE audit_tree (
    node_id TEXT   NOT NULL,
    level   BIGINT NOT NULL,
    idx     BIGINT NOT NULL,
    hash    TEXT   NOT NULL,
    PRIMARY KEY (node_id, level, idx)
);
CREATE TABLE audit_checkpoints (
    node_id   TEXT   NOT NULL,
    tree_size BIGINT NOT NULL,
    root_hash TEXT   NOT NULL,
    head_hash TEXT   NOT NULL,
    ts_ms     BIGINT NOT NULL,
    note      TEXT   NOT NULL,
    PRIMARY KEY (node_id, tree_size)
);
CREATE TABLE audit_segments (
    node_id     TEXT   NOT NULL,
    first_seq   BIGINT NOT NULL,
    last_seq    BIGINT NOT NULL,
    prev_hash   TEXT   NOT NULL,
    last_hash   TEXT   NOT NULL,
    root_hash   TEXT   NOT NULL,
    min_ts_ms   BIGINT,
    max_ts_ms   BIGINT,
    archived_ms BIGINT NOT NULL,
    location    TEXT   NOT NULL,
    file_sha256 TEXT   NOT NULL,
    checkpoint  TEXT   NOT NULL,
    PRIMARY KEY (node_id, first_seq)
);
