CREATE TABLE IF NOT EXISTS audit_records (
    node_id              TEXT    NOT NULL,
    seq                  INTEGER NOT NULL,
    request_id           TEXT    NOT NULL UNIQUE,
    ts_ms                INTEGER NOT NULL,
    consumer             TEXT,
    agency               TEXT,
    dataset              TEXT,
    method               TEXT    NOT NULL,
    purpose              TEXT,
    outcome              TEXT    NOT NULL,
    status               INTEGER NOT NULL,
    legal_basis          TEXT,
    reason               TEXT,
    decided_by           TEXT,
    justification_status TEXT,
    request_schema       TEXT    NOT NULL,
    response_schema      TEXT    NOT NULL,
    request_sha256       TEXT,
    response_sha256      TEXT,
    latency_us           INTEGER NOT NULL,
    source_latency_us    INTEGER,
    detail               TEXT,
    prev_hash            TEXT    NOT NULL,
    hash                 TEXT    NOT NULL,
    PRIMARY KEY (node_id, seq)
);
CREATE INDEX IF NOT EXISTS audit_records_ts ON audit_records (ts_ms);
CREATE INDEX IF NOT EXISTS audit_records_agency ON audit_records (agency, dataset, ts_ms);
CREATE INDEX IF NOT EXISTS audit_records_consumer ON audit_records (consumer, ts_ms);
CREATE INDEX IF NOT EXISTS audit_records_outcome ON audit_records (outcome, ts_ms);
