-- Most records carry no subject: index only those that do (the citizens' access log).
DROP INDEX IF EXISTS audit_records_subject;
CREATE INDEX IF NOT EXISTS audit_records_subject ON audit_records (subject_hash, request_id)
    WHERE subject_hash IS NOT NULL;
