-- Demo source database of the Ministry of Defence (fictional data).
-- dxgate runs this script once, inside a transaction, to create data/sources/mod.db when that
-- file does not exist. Delete the .db file to re-seed. Dates are ISO 8601 TEXT.
--
-- `deployments` backs mod/force-deployments, which is on the state-secret list: the gateway
-- declares it (so `dxgate check` covers it) but never routes a request to it. Its rows are
-- placeholders.

CREATE TABLE deployments (
    unit_code  TEXT NOT NULL,
    unit_name  TEXT NOT NULL,
    area       TEXT NOT NULL,
    readiness  TEXT NOT NULL CHECK (readiness IN ('normal', 'elevated', 'high')),
    updated_on TEXT NOT NULL
);

INSERT INTO deployments (unit_code, unit_name, area, readiness, updated_on) VALUES
    ('DU0001', 'Demo Unit 1', 'Placeholder Area A', 'normal',   '2026-10-01'),
    ('DU0002', 'Demo Unit 2', 'Placeholder Area B', 'normal',   '2026-10-01'),
    ('DU0003', 'Demo Unit 3', 'Placeholder Area C', 'elevated', '2026-10-15');

CREATE TABLE veterans (
    citizen_id            TEXT PRIMARY KEY,
    full_name             TEXT NOT NULL,
    service_branch        TEXT NOT NULL CHECK (service_branch IN ('army', 'navy', 'air-force', 'border-guard', 'coast-guard')),
    enlisted_on           TEXT NOT NULL,
    discharged_on         TEXT NOT NULL,
    discharge_type        TEXT NOT NULL CHECK (discharge_type IN ('honourable', 'medical', 'retirement')),
    veteran_card_no       TEXT NOT NULL UNIQUE,
    disability_rating_pct INTEGER NOT NULL DEFAULT 0
);

INSERT INTO veterans (citizen_id, full_name, service_branch, enlisted_on, discharged_on, discharge_type, veteran_card_no, disability_rating_pct) VALUES
    ('001060001122', 'Nguyen Van Hung', 'army',         '1978-09-04', '1986-03-15', 'medical',    'VC-00412873', 31),
    ('001070005555', 'Trieu Van Sang',  'border-guard', '1988-02-20', '1993-08-30', 'honourable', 'VC-00533109', 0),
    ('037075002468', 'Do Van Tam',      'navy',         '1993-03-01', '1998-03-01', 'honourable', 'VC-00610245', 0),
    ('031062008811', 'Pham Van Luong',  'army',         '1980-05-12', '2012-06-30', 'retirement', 'VC-00702916', 11),
    ('001164002233', 'Ma Thi Nguyet',   'air-force',    '1982-10-01', '1990-10-01', 'honourable', 'VC-00729454', 0);
