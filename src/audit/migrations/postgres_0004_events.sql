-- Witnessed events (outcome 'event'): their kind and canonical JSON facts. Both are NULL on
-- data requests, so existing records are untouched.
ALTER TABLE audit_records ADD COLUMN IF NOT EXISTS event_kind TEXT;
ALTER TABLE audit_records ADD COLUMN IF NOT EXISTS event TEXT;
CREATE INDEX IF NOT EXISTS audit_records_event ON audit_records (event_kind, ts_ms) WHERE event_kind IS NOT NULL;
