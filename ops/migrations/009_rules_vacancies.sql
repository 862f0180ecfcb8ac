-- 009_rules_vacancies: what R17 VACANCY_MATCH needs (plan 二(三)10): open
-- vacancies and who completed which training.
SET ROLE jiuye_rules;
CREATE TABLE rules.vacancies (
    source           text NOT NULL,
    vacancy_id       text NOT NULL,
    employer_code    text NOT NULL,
    district         text NOT NULL,
    title            text NOT NULL,
    positions        int NOT NULL,
    categories       int[] NOT NULL,
    max_severity     int NOT NULL,
    course           text NOT NULL, -- '' when the vacancy names none
    monthly_wage_fen bigint NOT NULL,
    posted_on        date NOT NULL,
    open_until       date NOT NULL,
    closed_on        date,
    filled           int,
    PRIMARY KEY (source, vacancy_id)
);
CREATE INDEX vacancies_open ON rules.vacancies (district, open_until) WHERE closed_on IS NULL;
CREATE TABLE rules.trainings (
    cert_no      text NOT NULL,
    course       text NOT NULL,
    completed_on date NOT NULL,
    source       text NOT NULL,
    event_id     text NOT NULL,
    PRIMARY KEY (source, event_id)
);
CREATE INDEX trainings_person ON rules.trainings (cert_no, course);
CREATE INDEX persons_matching ON rules.persons (district, registered_on) WHERE employment_status = 'unemployed' AND wants_job;
RESET ROLE;
