ALTER TABLE audit_records ADD COLUMN subject_hash TEXT;
CREATE INDEX IF NOT EXISTS audit_records_subject ON audit_records (subject_hash, request_id);
