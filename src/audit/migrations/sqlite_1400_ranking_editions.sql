-- Dated official editions of the ranking (migration 1400, issue 11 item 6). One row per date
-- (in [ranking] timezone), frozen once the day is over: the ranking JSON exactly as signed,
-- its SHA-256, the signed note over it and its CSV. Rows are never changed or removed: the
-- triggers refuse both.
CREATE TABLE IF NOT EXISTS ranking_editions (
    edition     TEXT   PRIMARY KEY,
    day         BIGINT NOT NULL UNIQUE,
    timezone    TEXT   NOT NULL,
    methodology TEXT   NOT NULL,
    window_days BIGINT NOT NULL,
    computed_ms BIGINT NOT NULL,
    frozen_ms   BIGINT NOT NULL,
    sha256      TEXT   NOT NULL,
    note        TEXT   NOT NULL,
    body        TEXT   NOT NULL,
    csv         TEXT   NOT NULL
);
-- Each unit's figures in each edition: the trend across editions.
CREATE TABLE IF NOT EXISTS ranking_edition_scores (
    edition      TEXT   NOT NULL,
    day          BIGINT NOT NULL,
    unit         TEXT   NOT NULL,
    status       TEXT   NOT NULL,
    score_tenths BIGINT,
    rank         BIGINT,
    PRIMARY KEY (edition, unit)
);
CREATE INDEX IF NOT EXISTS ranking_edition_scores_day ON ranking_edition_scores (day);
CREATE TRIGGER IF NOT EXISTS ranking_editions_no_update BEFORE UPDATE ON ranking_editions
BEGIN SELECT RAISE(ABORT, 'ranking editions are immutable'); END;
CREATE TRIGGER IF NOT EXISTS ranking_editions_no_delete BEFORE DELETE ON ranking_editions
BEGIN SELECT RAISE(ABORT, 'ranking editions are immutable'); END;
CREATE TRIGGER IF NOT EXISTS ranking_edition_scores_no_update BEFORE UPDATE ON ranking_edition_scores
BEGIN SELECT RAISE(ABORT, 'ranking editions are immutable'); END;
CREATE TRIGGER IF NOT EXISTS ranking_edition_scores_no_delete BEFORE DELETE ON ranking_edition_scores
BEGIN SELECT RAISE(ABORT, 'ranking editions are immutable'); END;
