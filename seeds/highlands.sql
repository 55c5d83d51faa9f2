-- Demo source database of the Northern Highlands Province (fictional data).
-- dxgate runs this script once, inside a transaction, to create data/sources/highlands.db when
-- that file does not exist. Delete the .db file to re-seed. Dates are ISO 8601 TEXT.

CREATE TABLE land_parcels (
    parcel_id             TEXT PRIMARY KEY,
    map_sheet             INTEGER NOT NULL,
    parcel_no             INTEGER NOT NULL,
    commune               TEXT NOT NULL,
    district              TEXT NOT NULL,
    area_m2               REAL NOT NULL,
    land_use              TEXT NOT NULL,
    use_term              TEXT NOT NULL,            -- 'long-term' or the end date
    holder_name           TEXT NOT NULL,
    certificate_no        TEXT,                     -- NULL until a certificate is issued
    certificate_issued_on TEXT,
    encumbrance           TEXT
);

INSERT INTO land_parcels VALUES
    ('HL-000123', 12, 45,  'Tan Lap Commune', 'Moc Son District',  312.5,   'residential',       'long-term',  'Nguyen Van Hung and Dinh Thi Hoa',          'CS 048213', '2015-06-18', NULL),
    ('HL-000124', 12, 46,  'Tan Lap Commune', 'Moc Son District',  4820.0,  'perennial-crops',   '2064-10-15', 'Nguyen Van Hung',                           'CS 048214', '2015-06-18', 'Mortgaged to Highlands Agricultural Bank, registered 2023-04-11'),
    ('HL-000207', 7,  102, 'Ban Pho Commune', 'Moc Son District',  245.0,   'residential',       'long-term',  'Hoang Thi Lan',                             'BT 771052', '2009-11-02', NULL),
    ('HL-000318', 21, 3,   'Ban Pho Commune', 'Moc Son District',  52600.0, 'production-forest', '2068-12-31', 'Highland Green Coffee Cooperative',         'DA 120977', '2018-12-31', NULL),
    ('HL-000402', 4,  88,  'Ward 3',          'Lang Giang City',   96.8,    'residential',       'long-term',  'Vo Thi Mai',                                NULL,        NULL,         'Boundary dispute lodged with Ward 3 People''s Committee, 2026-05-20'),
    ('HL-000415', 4,  131, 'Ward 3',          'Lang Giang City',   1480.0,  'commercial',        '2071-03-31', 'Bac Thanh Construction Materials Company Limited', 'DH 530114', '2021-04-09', NULL),
    ('HL-000530', 15, 9,   'Tan Lap Commune', 'Moc Son District',  2100.0,  'annual-crops',      '2073-07-01', 'Trieu Van Sang',                            'CS 912406', '2023-07-01', NULL);

CREATE TABLE households (
    household_id  TEXT PRIMARY KEY,
    address       TEXT NOT NULL
);

INSERT INTO households (household_id, address) VALUES
    ('HH-HL-000123', 'Hamlet 4, Tan Lap Commune, Moc Son District, Northern Highlands Province'),
    ('HH-HL-000207', 'Hamlet 1, Ban Pho Commune, Moc Son District, Northern Highlands Province'),
    ('HH-HL-000318', '17 Hoang Hoa Tham Street, Ward 3, Lang Giang City, Northern Highlands Province');

CREATE TABLE household_members (
    household_id  TEXT NOT NULL REFERENCES households (household_id),
    citizen_id    TEXT NOT NULL,
    full_name     TEXT NOT NULL,
    date_of_birth TEXT NOT NULL,
    relationship  TEXT NOT NULL,
    registered_on TEXT NOT NULL,
    left_on       TEXT,                             -- NULL while the member is registered here
    PRIMARY KEY (household_id, citizen_id)
);

INSERT INTO household_members (household_id, citizen_id, full_name, date_of_birth, relationship, registered_on, left_on) VALUES
    ('HH-HL-000123', '001060001122', 'Nguyen Van Hung',  '1960-02-14', 'head',       '1986-05-02', NULL),
    ('HH-HL-000123', '001162004321', 'Dinh Thi Hoa',     '1962-07-30', 'spouse',     '1987-01-15', NULL),
    ('HH-HL-000123', '001090012345', 'Nguyen Van An',    '1990-04-12', 'child',      '1990-05-03', NULL),
    ('HH-HL-000123', '001192003456', 'Tran Thi Binh',    '1992-08-23', 'other',      '2017-03-08', NULL),
    ('HH-HL-000123', '001218007890', 'Nguyen Minh Khoa', '2018-11-02', 'grandchild', '2018-11-20', NULL),
    ('HH-HL-000123', '001164002233', 'Ma Thi Nguyet',    '1964-03-11', 'other',      '2012-09-01', '2016-02-28'),
    -- A record migrated from the paper registry with its date in the legacy DD/MM/YYYY form.
    -- It breaks the response schema on purpose: household-registry is declared with
    -- on_invalid_response = "flag", so it is served and flagged as invalid in the audit log.
    ('HH-HL-000207', '001155009876', 'Hoang Thi Lan',    '1955-12-05', 'head',       '12/05/1994', NULL),
    ('HH-HL-000318', '079199001357', 'Vo Thi Mai',       '1999-09-14', 'head',       '2023-08-21', NULL);
