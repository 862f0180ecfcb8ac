-- 011_subsidy_employment: job starts and ends as the KPI counts them (docs/policy.md §4
-- "net increase in employed disabled persons", "graduates ... employed"). The rules
-- service forwards every employment.started / employment.ended, with or without
-- decisions; the subsidy service keeps one row per event here.
SET ROLE jiuye_subsidy;
CREATE TABLE subsidy.employment_facts (
    source        text NOT NULL,
    event_id      text NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('started', 'ended')),
    cert_no       text NOT NULL,
    employer_code text NOT NULL,
    district      text NOT NULL,
    occurred_on   date NOT NULL,
    year          int NOT NULL,
    PRIMARY KEY (source, event_id)
);
CREATE INDEX employment_facts_year ON subsidy.employment_facts (year, district, kind);
RESET ROLE;
