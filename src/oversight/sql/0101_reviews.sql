-- Oversight reviews of refusals (migration 101). Portable SQL: SQLite and PostgreSQL.
-- Append-only and hash-chained: a new verdict on the same refusal is a new row; the current
-- verdict is the row with the highest seq for that request_id. Audit records are never touched.
CREATE TABLE IF NOT EXISTS oversight_reviews (
    seq                  BIGINT PRIMARY KEY,
    request_id           TEXT   NOT NULL,
    verdict              TEXT   NOT NULL,
    note                 TEXT   NOT NULL,
    reviewer             TEXT   NOT NULL,
    reviewed_ms          BIGINT NOT NULL,
    agency               TEXT   NOT NULL,
    dataset              TEXT   NOT NULL,
    consumer             TEXT,
    record_ts_ms         BIGINT NOT NULL,
    justification_status TEXT   NOT NULL,
    record_hash          TEXT   NOT NULL,
    prev_hash            TEXT   NOT NULL,
    hash                 TEXT   NOT NULL
);
CREATE INDEX IF NOT EXISTS oversight_reviews_request ON oversight_reviews (request_id, seq);
CREATE INDEX IF NOT EXISTS oversight_reviews_record_ts ON oversight_reviews (record_ts_ms);
