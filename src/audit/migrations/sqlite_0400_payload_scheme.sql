-- How a record's payload hashes were computed: NULL = plain SHA-256 (records from before keyed
-- hashes), 'hmac-sha256/<key id>' = HMAC-SHA-256 under the gateway's payload key.
ALTER TABLE audit_records ADD COLUMN payload_scheme TEXT;
