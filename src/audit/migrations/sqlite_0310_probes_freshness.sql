-- Readiness probes and data freshness (migration 310): the probe flag (1, or NULL on every
-- other record) and the date/time the served data declares at its freshness pointer; the
-- ranking rollups gain probe counters, documents spared, the clean indicator's counts and
-- per-dataset probe/data-age facts. `duplicates`: repeated array elements in served data.
ALTER TABLE audit_records ADD COLUMN probe BIGINT;
ALTER TABLE audit_records ADD COLUMN data_as_of_ms BIGINT;
ALTER TABLE audit_records ADD COLUMN duplicates BIGINT;
ALTER TABLE ranking_rollup_hourly ADD COLUMN probes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ranking_rollup_hourly ADD COLUMN probe_answered BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ranking_rollup_hourly ADD COLUMN probe_source_error BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ranking_rollup_hourly ADD COLUMN probe_resp_valid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ranking_rollup_hourly ADD COLUMN probe_resp_invalid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ranking_rollup_hourly ADD COLUMN spared BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ranking_rollup_hourly ADD COLUMN clean_checked BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ranking_rollup_hourly ADD COLUMN clean BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ranking_rollup_daily ADD COLUMN probes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ranking_rollup_daily ADD COLUMN probe_answered BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ranking_rollup_daily ADD COLUMN probe_source_error BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ranking_rollup_daily ADD COLUMN probe_resp_valid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ranking_rollup_daily ADD COLUMN probe_resp_invalid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ranking_rollup_daily ADD COLUMN spared BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ranking_rollup_daily ADD COLUMN clean_checked BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ranking_rollup_daily ADD COLUMN clean BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ranking_datasets ADD COLUMN last_probe_ok_ms BIGINT;
ALTER TABLE ranking_datasets ADD COLUMN data_as_of_ms BIGINT;
