-- Catalogue versions (migration 700). Every data record carries the digest of the catalogue
-- version it was decided under (NULL on events and older records), and each version's exact
-- files are retained so oversight can read the rule that decided a request on a given day.
ALTER TABLE audit_records ADD COLUMN catalog_digest TEXT;
CREATE TABLE IF NOT EXISTS catalog_versions (
    digest     TEXT   PRIMARY KEY,
    first_ms   BIGINT NOT NULL,
    files      TEXT   NOT NULL,
    outline    TEXT   NOT NULL
);
