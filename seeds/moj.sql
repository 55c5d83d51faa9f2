-- Demo source database of the Ministry of Justice (fictional data).
-- dxgate runs this script once, inside a transaction, to create data/sources/moj.db when that
-- file does not exist. Delete the .db file to re-seed. Dates are ISO 8601 TEXT.

CREATE TABLE civil_status (
    citizen_id      TEXT PRIMARY KEY,
    full_name       TEXT NOT NULL,
    sex             TEXT NOT NULL CHECK (sex IN ('female', 'male')),
    date_of_birth   TEXT NOT NULL,
    place_of_birth  TEXT NOT NULL,
    nationality     TEXT NOT NULL DEFAULT 'Vietnamese',
    marital_status  TEXT NOT NULL CHECK (marital_status IN ('single', 'married', 'divorced', 'widowed')),
    date_of_death   TEXT,
    registry_office TEXT NOT NULL
);

INSERT INTO civil_status (citizen_id, full_name, sex, date_of_birth, place_of_birth, nationality, marital_status, date_of_death, registry_office) VALUES
    ('001090012345', 'Nguyen Van An',   'male',   '1990-04-12', 'Tan Lap Commune, Moc Son District, Northern Highlands Province',  'Vietnamese', 'married',  NULL,         'People''s Committee of Tan Lap Commune'),
    ('001192003456', 'Tran Thi Binh',   'female', '1992-08-23', 'Ward 3, Lang Giang City, Northern Highlands Province',          'Vietnamese', 'married',  NULL,         'People''s Committee of Ward 3, Lang Giang City'),
    ('001218007890', 'Nguyen Minh Khoa','male',   '2018-11-02', 'Moc Son District General Hospital, Northern Highlands Province', 'Vietnamese', 'single',   NULL,         'People''s Committee of Tan Lap Commune'),
    ('001060001122', 'Nguyen Van Hung', 'male',   '1960-02-14', 'Tan Lap Commune, Moc Son District, Northern Highlands Province',  'Vietnamese', 'married',  NULL,         'People''s Committee of Tan Lap Commune'),
    ('001162004321', 'Dinh Thi Hoa',    'female', '1962-07-30', 'Ban Pho Commune, Moc Son District, Northern Highlands Province',  'Vietnamese', 'married',  NULL,         'People''s Committee of Ban Pho Commune'),
    ('001155009876', 'Hoang Thi Lan',   'female', '1955-12-05', 'Ban Pho Commune, Moc Son District, Northern Highlands Province',  'Vietnamese', 'widowed',  NULL,         'People''s Committee of Ban Pho Commune'),
    ('079085004567', 'Le Hoang Phuc',   'male',   '1985-03-19', 'Ward 7, Cua Bien City, Coastal Delta Province',                   'Vietnamese', 'divorced', NULL,         'People''s Committee of Ward 7, Cua Bien City'),
    ('031187006789', 'Pham Thu Ha',     'female', '1987-10-08', 'Long Hoa Commune, Song Tien District, Coastal Delta Province',    'Vietnamese', 'divorced', NULL,         'People''s Committee of Long Hoa Commune'),
    ('045320004680', 'Pham Gia Han',    'female', '2020-01-27', 'Coastal Delta Provincial Obstetrics Hospital',                    'Vietnamese', 'single',   NULL,         'People''s Committee of Long Hoa Commune'),
    ('037075002468', 'Do Van Tam',      'male',   '1975-06-21', 'An Phu Commune, Song Tien District, Coastal Delta Province',      'Vietnamese', 'married',  '2024-01-09', 'People''s Committee of An Phu Commune'),
    ('079199001357', 'Vo Thi Mai',      'female', '1999-09-14', 'Ward 2, Cua Bien City, Coastal Delta Province',                   'Vietnamese', 'single',   NULL,         'People''s Committee of Ward 2, Cua Bien City'),
    ('045088003579', 'Bui Quang Vinh',  'male',   '1988-05-02', 'Thuan Hai Commune, Song Tien District, Coastal Delta Province',   'Vietnamese', 'single',   NULL,         'People''s Committee of Thuan Hai Commune');

CREATE TABLE judicial_records (
    id                 INTEGER PRIMARY KEY,
    citizen_id         TEXT NOT NULL,
    case_no            TEXT NOT NULL,
    court              TEXT NOT NULL,
    offence            TEXT NOT NULL,
    penal_code_article TEXT NOT NULL,
    judgment_date      TEXT NOT NULL,
    sentence           TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('serving', 'completed', 'expunged')),
    completed_on       TEXT
);
CREATE INDEX judicial_records_citizen ON judicial_records (citizen_id);

INSERT INTO judicial_records (citizen_id, case_no, court, offence, penal_code_article, judgment_date, sentence, status, completed_on) VALUES
    ('079085004567', '112/2009/HS-ST', 'People''s Court of Cua Bien City',            'Theft of property',                         'Art. 138 (Penal Code 1999)', '2009-11-20', '9 months suspended imprisonment, 18 months probation', 'expunged',  '2011-05-20'),
    ('079085004567', '57/2019/HS-PT',  'People''s Court of Coastal Delta Province',   'Causing deliberate bodily harm',            'Art. 134 (Penal Code 2015)', '2019-04-03', '2 years imprisonment',                                  'completed', '2021-03-28'),
    ('045088003579', '203/2024/HS-ST', 'People''s Court of Song Tien District',       'Illegal trading of goods',                  'Art. 190 (Penal Code 2015)', '2024-09-12', '3 years imprisonment',                                  'serving',   NULL),
    ('037075002468', '18/2003/HS-ST',  'People''s Court of Song Tien District',       'Violating regulations on road traffic',     'Art. 202 (Penal Code 1999)', '2003-02-17', 'Fine of 10,000,000 VND',                                'expunged',  '2003-06-30');
