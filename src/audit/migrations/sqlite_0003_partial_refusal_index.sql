-- Only refused records are listed by outcome (the oversight refusal log), so index just those:
-- every other record no longer pays for an (outcome, ts_ms) index entry on insert.
DROP INDEX IF EXISTS audit_records_outcome;
CREATE INDEX IF NOT EXISTS audit_records_refused ON audit_records (ts_ms) WHERE outcome = 'refused';
