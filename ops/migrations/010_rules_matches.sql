-- 010_rules_matches: who was on an R17 shortlist for which vacancy, and since
-- when (plan 二(三)10, KPI "positions filled after a match"): a person counts
-- as placed by a match when their employment.started at the vacancy's employer
-- falls within 90 days of the first time they were shortlisted for it.
-- r17_vacancy_match.c writes a row per shortlisted person in the transaction of
-- the R17 decision; a later shortlist keeps the earlier date.
SET ROLE jiuye_rules;
CREATE TABLE rules.vacancy_matches (
    source      text NOT NULL, -- the vacancy (rules.vacancies)
    vacancy_id  text NOT NULL,
    cert_no     text NOT NULL,
    matched_on  date NOT NULL, -- first shortlisting: the triggering event's date, never before posted_on
    decision_id text NOT NULL, -- the R17 decision that listed them on that date
    PRIMARY KEY (source, vacancy_id, cert_no),
    FOREIGN KEY (source, vacancy_id) REFERENCES rules.vacancies (source, vacancy_id)
);
CREATE INDEX vacancy_matches_person ON rules.vacancy_matches (cert_no);
RESET ROLE;
