-- One row per request id, ever (migration 1150). audit_records is partitioned by ts_ms, and
-- PostgreSQL accepts a unique constraint on a partitioned table only if it includes the
-- partition key: UNIQUE (request_id, ts_ms) would let two records share an id a millisecond
-- apart. This unpartitioned table's primary key makes request_id unique across every
-- partition; the writer fills it in the same transaction as the records, so a duplicate id
-- fails the commit (closed). Archiving keeps the rows: an archived id is never reused, and
-- (node_id, seq) leads to the segment file that holds the record (its inclusion proof).
CREATE TABLE IF NOT EXISTS audit_request_ids (
    request_id TEXT   NOT NULL PRIMARY KEY,
    node_id    TEXT   NOT NULL,
    seq        BIGINT NOT NULL
);
INSERT INTO audit_request_ids (request_id, node_id, seq)
    SELECT request_id, node_id, seq FROM audit_records
    ON CONFLICT (request_id) DO NOTHING;
