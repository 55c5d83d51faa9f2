-- One row per request id, ever (migration 1150): as on PostgreSQL (where it is what makes
-- request_id unique across partitions), the writer fills it in the same transaction as the
-- records, and archiving keeps the rows, so an archived id is never reused and (node_id, seq)
-- leads to the segment file that holds the record (its inclusion proof).
CREATE TABLE IF NOT EXISTS audit_request_ids (
    request_id TEXT    NOT NULL PRIMARY KEY,
    node_id    TEXT    NOT NULL,
    seq        INTEGER NOT NULL
);
INSERT OR IGNORE INTO audit_request_ids (request_id, node_id, seq)
    SELECT request_id, node_id, seq FROM audit_records;
