-- Example source database (fictional people), written by `dxgate init`. dxgate runs this script
-- once, in one transaction, to create data/sources/{{agency}}.db when that file does not exist;
-- delete the .db file to re-seed.

CREATE TABLE residents (
    citizen_id    TEXT PRIMARY KEY,
    full_name     TEXT NOT NULL,
    date_of_birth TEXT NOT NULL,   -- YYYY-MM-DD
    district      TEXT NOT NULL
);

INSERT INTO residents (citizen_id, full_name, date_of_birth, district) VALUES
    ('001090000001', 'Nguyen Van An', '1990-04-12', 'Ba Dinh'),
    ('001185000002', 'Tran Thi Binh', '1985-11-03', 'Hoan Kiem'),
    ('079092000003', 'Le Minh Chau', '1992-07-21', 'District 1');
