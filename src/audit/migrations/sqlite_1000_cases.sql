-- Case and end-user identity, field projections (migration 1000). A request may name the case
-- it serves (Data-Case) and the civil servant it is made for (On-Behalf-Of or an eID token);
-- both are kept only as keyed hashes, searchable by exact value. `projection` names the
-- purpose-bound field rule applied before release. All NULL on older records and on events.
ALTER TABLE audit_records ADD COLUMN data_case_hash TEXT;
ALTER TABLE audit_records ADD COLUMN end_user_hash TEXT;
ALTER TABLE audit_records ADD COLUMN projection TEXT;
CREATE INDEX IF NOT EXISTS audit_records_data_case ON audit_records (data_case_hash, request_id)
    WHERE data_case_hash IS NOT NULL;
CREATE INDEX IF NOT EXISTS audit_records_end_user ON audit_records (end_user_hash, request_id)
    WHERE end_user_hash IS NOT NULL;
