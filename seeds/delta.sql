-- Demo source database of the Coastal Delta Province (fictional data).
-- dxgate runs this script once, inside a transaction, to create data/sources/delta.db when that
-- file does not exist. Delete the .db file to re-seed. Dates are ISO 8601 TEXT.
-- (Business licences are an HTTP source and have no table here.)

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
    ('CD-000456', 31, 214, 'Ward 7',           'Cua Bien City',      5400.0,  'commercial',    '2071-06-30', 'Son Ha Trading and Logistics Joint Stock Company', 'DK 204381', '2021-07-14', 'Mortgaged to Coastal Commercial Joint Stock Bank, registered 2024-03-15'),
    ('CD-000457', 31, 215, 'Ward 7',           'Cua Bien City',      180.0,   'residential',   'long-term',  'Le Hoang Phuc',                                    'DK 204402', '2016-09-30', NULL),
    ('CD-000512', 8,  77,  'Long Hoa Commune', 'Song Tien District', 12450.0, 'aquaculture',   '2069-01-01', 'Pham Thu Ha',                                      'CY 618830', '2019-01-02', NULL),
    ('CD-000513', 8,  78,  'Long Hoa Commune', 'Song Tien District', 265.3,   'residential',   'long-term',  'Pham Thu Ha',                                      'CY 618831', '2019-01-02', NULL),
    ('CD-000620', 14, 5,   'An Phu Commune',   'Song Tien District', 3310.0,  'annual-crops',  '2073-07-01', 'Heirs of Do Van Tam',                              'BQ 330176', '2004-05-19', 'Inheritance registration pending'),
    ('CD-000721', 2,  140, 'Ward 2',           'Cua Bien City',      8900.0,  'public',        'long-term',  'People''s Committee of Ward 2, Cua Bien City',     NULL,        NULL,         NULL),
    ('CD-000804', 19, 61,  'Thuan Hai Commune','Song Tien District', 22000.0, 'aquaculture',   '2070-12-31', 'Mekong Pearl Seafood Export Company Limited',      'DM 905512', '2020-12-31', 'Seized as security for tax debt, 2026-08-03');
