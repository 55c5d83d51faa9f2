-- Ranking rollups (migration 100). Portable SQL: runs unchanged on SQLite and PostgreSQL.
-- Counters per (hour, agency, dataset) and per (day, agency, dataset), derived from
-- audit_records by a background task that reads new records by (node_id, seq) watermark.
-- The raw audit records stay the source of truth: these tables can be dropped and rebuilt.
CREATE TABLE IF NOT EXISTS ranking_rollup_hourly (
    hour              BIGINT NOT NULL,
    agency            TEXT   NOT NULL,
    dataset           TEXT   NOT NULL,
    requests          BIGINT NOT NULL,
    served            BIGINT NOT NULL,
    not_found         BIGINT NOT NULL,
    refused           BIGINT NOT NULL,
    refused_justified BIGINT NOT NULL,
    refused_source    BIGINT NOT NULL,
    exempt            BIGINT NOT NULL,
    rejected          BIGINT NOT NULL,
    rate_limited      BIGINT NOT NULL,
    source_error      BIGINT NOT NULL,
    invalid_response  BIGINT NOT NULL,
    resp_valid        BIGINT NOT NULL,
    resp_invalid      BIGINT NOT NULL,
    self_calls        BIGINT NOT NULL,
    lat_sum_us        BIGINT NOT NULL,
    lat_b0            BIGINT NOT NULL,
    lat_b1            BIGINT NOT NULL,
    lat_b2            BIGINT NOT NULL,
    lat_b3            BIGINT NOT NULL,
    lat_b4            BIGINT NOT NULL,
    lat_b5            BIGINT NOT NULL,
    lat_b6            BIGINT NOT NULL,
    lat_b7            BIGINT NOT NULL,
    lat_b8            BIGINT NOT NULL,
    lat_b9            BIGINT NOT NULL,
    lat_b10           BIGINT NOT NULL,
    lat_b11           BIGINT NOT NULL,
    first_served_ms   BIGINT,
    last_served_ms    BIGINT,
    PRIMARY KEY (hour, agency, dataset)
);
CREATE TABLE IF NOT EXISTS ranking_rollup_daily (
    day               BIGINT NOT NULL,
    agency            TEXT   NOT NULL,
    dataset           TEXT   NOT NULL,
    requests          BIGINT NOT NULL,
    served            BIGINT NOT NULL,
    not_found         BIGINT NOT NULL,
    refused           BIGINT NOT NULL,
    refused_justified BIGINT NOT NULL,
    refused_source    BIGINT NOT NULL,
    exempt            BIGINT NOT NULL,
    rejected          BIGINT NOT NULL,
    rate_limited      BIGINT NOT NULL,
    source_error      BIGINT NOT NULL,
    invalid_response  BIGINT NOT NULL,
    resp_valid        BIGINT NOT NULL,
    resp_invalid      BIGINT NOT NULL,
    self_calls        BIGINT NOT NULL,
    lat_sum_us        BIGINT NOT NULL,
    lat_b0            BIGINT NOT NULL,
    lat_b1            BIGINT NOT NULL,
    lat_b2            BIGINT NOT NULL,
    lat_b3            BIGINT NOT NULL,
    lat_b4            BIGINT NOT NULL,
    lat_b5            BIGINT NOT NULL,
    lat_b6            BIGINT NOT NULL,
    lat_b7            BIGINT NOT NULL,
    lat_b8            BIGINT NOT NULL,
    lat_b9            BIGINT NOT NULL,
    lat_b10           BIGINT NOT NULL,
    lat_b11           BIGINT NOT NULL,
    first_served_ms   BIGINT,
    last_served_ms    BIGINT,
    PRIMARY KEY (day, agency, dataset)
);
-- One row per distinct (day, agency, consumer) with evidence: the unit of sample size.
CREATE TABLE IF NOT EXISTS ranking_consumer_days (
    day      BIGINT NOT NULL,
    agency   TEXT   NOT NULL,
    consumer TEXT   NOT NULL,
    PRIMARY KEY (day, agency, consumer)
);
-- How far each node's chain has been rolled up.
CREATE TABLE IF NOT EXISTS ranking_watermarks (
    node_id TEXT   PRIMARY KEY,
    seq     BIGINT NOT NULL
);
-- Facts the rollups depend on (the consumer → agency map used for self-call exclusion).
CREATE TABLE IF NOT EXISTS ranking_state (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- Daily snapshots: the whole published ranking (JSON), and per-agency scores for trends.
CREATE TABLE IF NOT EXISTS ranking_snapshots (
    day         BIGINT NOT NULL,
    window_days BIGINT NOT NULL,
    computed_ms BIGINT NOT NULL,
    methodology TEXT   NOT NULL,
    body        TEXT   NOT NULL,
    PRIMARY KEY (day, window_days)
);
CREATE TABLE IF NOT EXISTS ranking_snapshot_scores (
    day          BIGINT NOT NULL,
    window_days  BIGINT NOT NULL,
    agency       TEXT   NOT NULL,
    status       TEXT   NOT NULL,
    score_tenths BIGINT,
    rank         BIGINT,
    PRIMARY KEY (day, window_days, agency)
);
-- All-time facts per dataset (for coverage and freshness): first and last non-self serve.
CREATE TABLE IF NOT EXISTS ranking_datasets (
    agency          TEXT   NOT NULL,
    dataset         TEXT   NOT NULL,
    first_served_ms BIGINT,
    last_served_ms  BIGINT,
    PRIMARY KEY (agency, dataset)
);
