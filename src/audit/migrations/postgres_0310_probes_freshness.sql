-- Readiness probes and data freshness (migration 310): the probe flag (1, or NULL on every
-- other record) and the date/time the served data declares at its freshness pointer; the
-- ranking rollups gain probe counters, documents spared, the clean indicator's counts and
-- per-dataset probe/data-age facts. `duplicates`: repeated array elements in served data.
ALTER TABLE audit_records ADD COLUMN IF NOT EXISTS probe BIGINT;
ALTER TABLE audit_records ADD COLUMN IF NOT EXISTS data_as_of_ms BIGINT;
ALTER TABLE audit_records ADD COLUMN IF NOT EXISTS duplicates BIGINT;
ALTER TABLE ranking_rollup_hourly ADD COLUMN IF NOT EXISTS probes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ranking_rollup_hourly ADD COLUMN IF NOT EXISTS probe_answered BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ranking_rollup_hourly ADD COLUMN IF NOT EXISTS probe_source_error BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ranking_rollup_hourly ADD COLUMN IF NOT EXISTS probe_resp_valid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ranking_rollup_hourly ADD COLUMN IF NOT EXISTS probe_resp_invalid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ranking_rollup_hourly ADD COLUMN IF NOT EXISTS spared BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ranking_rollup_hourly ADD COLUMN IF NOT EXISTS clean_checked BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ranking_rollup_hourly ADD COLUMN IF NOT EXISTS clean BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ranking_rollup_daily ADD COLUMN IF NOT EXISTS probes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ranking_rollup_daily ADD COLUMN IF NOT EXISTS probe_answered BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ranking_rollup_daily ADD COLUMN IF NOT EXISTS probe_source_error BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ranking_rollup_daily ADD COLUMN IF NOT EXISTS probe_resp_valid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ranking_rollup_daily ADD COLUMN IF NOT EXISTS probe_resp_invalid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ranking_rollup_daily ADD COLUMN IF NOT EXISTS spared BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ranking_rollup_daily ADD COLUMN IF NOT EXISTS clean_checked BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ranking_rollup_daily ADD COLUMN IF NOT EXISTS clean BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ranking_datasets ADD COLUMN IF NOT EXISTS last_probe_ok_ms BIGINT;
ALTER TABLE ranking_datasets ADD COLUMN IF NOT EXISTS data_as_of_ms BIGINT;
