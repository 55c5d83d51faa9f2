-- Demo source database of the Ministry of Finance (fictional data).
-- dxgate runs this script once, inside a transaction, to create data/sources/mof.db when that
-- file does not exist. Delete the .db file to re-seed. Dates are ISO 8601 TEXT.
-- (The business registry is an HTTP source and has no table here.)

CREATE TABLE tax_clearance (
    tax_id             TEXT PRIMARY KEY,
    taxpayer_name      TEXT NOT NULL,
    taxpayer_type      TEXT NOT NULL CHECK (taxpayer_type IN ('enterprise', 'individual', 'household-business')),
    tax_office         TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('clear', 'outstanding', 'suspended')),
    outstanding_vnd    INTEGER NOT NULL DEFAULT 0,
    last_filing_period TEXT NOT NULL,
    as_of              TEXT NOT NULL
);

INSERT INTO tax_clearance (tax_id, taxpayer_name, taxpayer_type, tax_office, status, outstanding_vnd, last_filing_period, as_of) VALUES
    ('0101234567',     'Son Ha Trading and Logistics Joint Stock Company',        'enterprise',         'Large Taxpayers Department',                       'clear',       0,          '2026-10',   '2026-11-22'),
    ('0101234567-001', 'Son Ha Trading and Logistics JSC - Coastal Delta Branch', 'enterprise',         'Tax Department of Coastal Delta Province',         'clear',       0,          '2026-10',   '2026-11-22'),
    ('0312345678',     'Mekong Pearl Seafood Export Company Limited',             'enterprise',         'Tax Department of Coastal Delta Province',         'outstanding', 482750000,  '2026-Q3',   '2026-11-22'),
    ('5900123456',     'Highland Green Coffee Cooperative',                       'enterprise',         'Tax Department of Northern Highlands Province',    'clear',       0,          '2026-Q3',   '2026-11-22'),
    ('8012345678',     'Nguyen Van An',                                           'individual',         'Moc Son District Tax Branch',                      'clear',       0,          '2025-12',   '2026-11-22'),
    ('8023456789',     'Le Hoang Phuc',                                           'individual',         'Cua Bien City Tax Branch',                         'outstanding', 3150000,    '2025-12',   '2026-11-22'),
    ('0209876543',     'Pham Thu Ha Seafood Stall',                               'household-business', 'Song Tien District Tax Branch',                    'suspended',   12600000,   '2025-Q4',   '2026-11-22'),
    ('0108765432',     'Bac Thanh Construction Materials Company Limited',       'enterprise',         'Tax Department of Northern Highlands Province',    'clear',       0,          '2026-10',   '2026-11-22');
