-- Demo source database of Vietnam Social Security, the social insurance fund (fictional data).
-- dxgate runs this script once, inside a transaction, to create data/sources/vss.db when that
-- file does not exist. Delete the .db file to re-seed.
-- Compulsory contributions are 32% of the insured salary (employer 21.5%, employee 10.5%);
-- voluntary contributions are 22% of the declared income. Amounts in VND.

CREATE TABLE contributions (
    citizen_id         TEXT NOT NULL,
    insurance_book_no  TEXT NOT NULL,
    period             TEXT NOT NULL,            -- YYYY-MM
    employer_name      TEXT,                     -- NULL for voluntary contributions
    employer_tax_id    TEXT,
    scheme             TEXT NOT NULL CHECK (scheme IN ('compulsory', 'voluntary')),
    insured_salary_vnd INTEGER NOT NULL,
    contribution_vnd   INTEGER NOT NULL,
    PRIMARY KEY (citizen_id, period)
);

INSERT INTO contributions (citizen_id, insurance_book_no, period, employer_name, employer_tax_id, scheme, insured_salary_vnd, contribution_vnd) VALUES
    ('001090012345', '0124578936', '2025-03', 'Highland Green Coffee Cooperative', '5900123456', 'compulsory', 9800000, 3136000),
    ('001090012345', '0124578936', '2025-04', 'Highland Green Coffee Cooperative', '5900123456', 'compulsory', 9800000, 3136000),
    ('001090012345', '0124578936', '2025-05', 'Highland Green Coffee Cooperative', '5900123456', 'compulsory', 9800000, 3136000),
    ('001090012345', '0124578936', '2025-06', 'Highland Green Coffee Cooperative', '5900123456', 'compulsory', 9800000, 3136000),
    ('001090012345', '0124578936', '2025-07', 'Highland Green Coffee Cooperative', '5900123456', 'compulsory', 9800000, 3136000),
    ('001090012345', '0124578936', '2025-08', 'Highland Green Coffee Cooperative', '5900123456', 'compulsory', 9800000, 3136000),
    ('001090012345', '0124578936', '2025-09', 'Highland Green Coffee Cooperative', '5900123456', 'compulsory', 9800000, 3136000),
    ('001090012345', '0124578936', '2025-10', 'Highland Green Coffee Cooperative', '5900123456', 'compulsory', 9800000, 3136000),
    ('001090012345', '0124578936', '2025-11', 'Highland Green Coffee Cooperative', '5900123456', 'compulsory', 9800000, 3136000),
    ('001090012345', '0124578936', '2025-12', 'Highland Green Coffee Cooperative', '5900123456', 'compulsory', 9800000, 3136000),
    ('001090012345', '0124578936', '2026-01', 'Son Ha Trading and Logistics Joint Stock Company', '0101234567', 'compulsory', 12500000, 4000000),
    ('001090012345', '0124578936', '2026-02', 'Son Ha Trading and Logistics Joint Stock Company', '0101234567', 'compulsory', 12500000, 4000000),
    ('001090012345', '0124578936', '2026-03', 'Son Ha Trading and Logistics Joint Stock Company', '0101234567', 'compulsory', 12500000, 4000000),
    ('001090012345', '0124578936', '2026-04', 'Son Ha Trading and Logistics Joint Stock Company', '0101234567', 'compulsory', 12500000, 4000000),
    ('001090012345', '0124578936', '2026-05', 'Son Ha Trading and Logistics Joint Stock Company', '0101234567', 'compulsory', 12500000, 4000000),
    ('001090012345', '0124578936', '2026-06', 'Son Ha Trading and Logistics Joint Stock Company', '0101234567', 'compulsory', 12500000, 4000000),
    ('001090012345', '0124578936', '2026-07', 'Son Ha Trading and Logistics Joint Stock Company', '0101234567', 'compulsory', 12500000, 4000000),
    ('001090012345', '0124578936', '2026-08', 'Son Ha Trading and Logistics Joint Stock Company', '0101234567', 'compulsory', 12500000, 4000000),
    ('001090012345', '0124578936', '2026-09', 'Son Ha Trading and Logistics Joint Stock Company', '0101234567', 'compulsory', 12500000, 4000000),
    ('001090012345', '0124578936', '2026-10', 'Son Ha Trading and Logistics Joint Stock Company', '0101234567', 'compulsory', 12500000, 4000000),
    ('001192003456', '0131906542', '2026-01', NULL, NULL, 'voluntary', 4000000, 880000),
    ('001192003456', '0131906542', '2026-02', NULL, NULL, 'voluntary', 4000000, 880000),
    ('001192003456', '0131906542', '2026-03', NULL, NULL, 'voluntary', 4000000, 880000),
    ('001192003456', '0131906542', '2026-04', NULL, NULL, 'voluntary', 4000000, 880000),
    ('001192003456', '0131906542', '2026-05', NULL, NULL, 'voluntary', 4000000, 880000),
    ('001192003456', '0131906542', '2026-06', NULL, NULL, 'voluntary', 4000000, 880000),
    ('001192003456', '0131906542', '2026-07', NULL, NULL, 'voluntary', 4000000, 880000),
    ('001192003456', '0131906542', '2026-08', NULL, NULL, 'voluntary', 4000000, 880000),
    ('001192003456', '0131906542', '2026-09', NULL, NULL, 'voluntary', 4000000, 880000),
    ('001192003456', '0131906542', '2026-10', NULL, NULL, 'voluntary', 4000000, 880000),
    ('031187006789', '7909231456', '2025-01', 'Mekong Pearl Seafood Export Company Limited', '0312345678', 'compulsory', 7200000, 2304000),
    ('031187006789', '7909231456', '2025-02', 'Mekong Pearl Seafood Export Company Limited', '0312345678', 'compulsory', 7200000, 2304000),
    ('031187006789', '7909231456', '2025-03', 'Mekong Pearl Seafood Export Company Limited', '0312345678', 'compulsory', 7200000, 2304000),
    ('031187006789', '7909231456', '2025-04', 'Mekong Pearl Seafood Export Company Limited', '0312345678', 'compulsory', 7200000, 2304000),
    ('031187006789', '7909231456', '2025-05', 'Mekong Pearl Seafood Export Company Limited', '0312345678', 'compulsory', 7200000, 2304000),
    ('031187006789', '7909231456', '2025-06', 'Mekong Pearl Seafood Export Company Limited', '0312345678', 'compulsory', 7200000, 2304000),
    ('031187006789', '7909231456', '2025-07', 'Mekong Pearl Seafood Export Company Limited', '0312345678', 'compulsory', 7200000, 2304000),
    ('031187006789', '7909231456', '2025-08', 'Mekong Pearl Seafood Export Company Limited', '0312345678', 'compulsory', 7200000, 2304000),
    ('079199001357', '7922815034', '2026-04', 'Son Ha Trading and Logistics JSC - Coastal Delta Branch', '0101234567-001', 'compulsory', 8600000, 2752000),
    ('079199001357', '7922815034', '2026-05', 'Son Ha Trading and Logistics JSC - Coastal Delta Branch', '0101234567-001', 'compulsory', 8600000, 2752000),
    ('079199001357', '7922815034', '2026-06', 'Son Ha Trading and Logistics JSC - Coastal Delta Branch', '0101234567-001', 'compulsory', 8600000, 2752000),
    ('079199001357', '7922815034', '2026-07', 'Son Ha Trading and Logistics JSC - Coastal Delta Branch', '0101234567-001', 'compulsory', 8600000, 2752000),
    ('079199001357', '7922815034', '2026-08', 'Son Ha Trading and Logistics JSC - Coastal Delta Branch', '0101234567-001', 'compulsory', 8600000, 2752000),
    ('079199001357', '7922815034', '2026-09', 'Son Ha Trading and Logistics JSC - Coastal Delta Branch', '0101234567-001', 'compulsory', 8600000, 2752000),
    ('079199001357', '7922815034', '2026-10', 'Son Ha Trading and Logistics JSC - Coastal Delta Branch', '0101234567-001', 'compulsory', 8600000, 2752000);
