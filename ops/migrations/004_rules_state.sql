-- 004_rules_state: the facts the rules keep between events (docs/policy.md §3) and
-- their durable timers.

SET ROLE jiuye_rules;

-- Employment spells: R04 public-welfare posts, R08 agency placements, R14, KPIs.
-- decision_id is the spell's entitlement decision (R04 or R08), which a later
-- employment.ended corrects.
CREATE TABLE rules.employment (
    cert_no         text NOT NULL,
    employer_code   text NOT NULL,
    started_on      date NOT NULL,
    channel         text NOT NULL,
    contract_months int NOT NULL,
    agency_code     text,
    district        text NOT NULL,
    source          text NOT NULL,
    event_id        text NOT NULL,
    decision_id     text,
    ended_on        date,
    PRIMARY KEY (cert_no, employer_code, started_on)
);

CREATE TABLE rules.graduates (
    cert_no         text PRIMARY KEY,
    school          text NOT NULL,
    graduation_year int NOT NULL,
    wants_job       boolean NOT NULL,
    registered_on   date NOT NULL,
    district        text NOT NULL
);

CREATE TABLE rules.services (
    cert_no      text NOT NULL,
    service      text NOT NULL,
    delivered_on date NOT NULL,
    staff_id     text NOT NULL,
    source       text NOT NULL,
    event_id     text NOT NULL,
    PRIMARY KEY (source, event_id)
);
CREATE INDEX services_person ON rules.services (cert_no, service, delivered_on);

CREATE TABLE rules.employer_reports (
    employer_code text NOT NULL,
    year          int NOT NULL,
    employer_kind text NOT NULL,
    district      text NOT NULL,
    staff_count   int NOT NULL,
    counted       int NOT NULL, -- weighted qualifying disabled staff
    levy_paid     boolean NOT NULL,
    source        text NOT NULL,
    event_id      text NOT NULL,
    PRIMARY KEY (employer_code, year)
);

-- Events about a person not registered yet wait here (decision `pending`) until
-- the registration arrives or their 30 days run out (docs/policy.md §3 "Order of arrival").
CREATE TABLE rules.pending (
    source      text NOT NULL,
    event_id    text NOT NULL,
    cert_no     text NOT NULL,
    event       bytea NOT NULL, -- the jiuye.Event
    decision_id text NOT NULL,  -- the pending decision a later one corrects
    PRIMARY KEY (source, event_id, decision_id)
);
CREATE INDEX pending_person ON rules.pending (cert_no);

-- Durable timers (R08 anniversaries, R15 and R16 deadlines, pending expiry).
-- A timer fires in the same transaction that stores its decisions and their
-- outbox message, and is marked fired there: after any crash it fires once,
-- late if the service was down on its date (catch-up).
--
--   scheduled --due_on <= today--> fired
--        \--the fact it waits for arrives in time--> cancelled
CREATE TABLE rules.timers (
    timer_id     text PRIMARY KEY,
    kind         text NOT NULL, -- r08_anniversary | r15_deadline | r16_deadline | pending_expiry
    due_on       date NOT NULL,
    cert_no      text NOT NULL,
    event        bytea NOT NULL, -- the jiuye.Event that set it
    detail       text NOT NULL DEFAULT '',
    fired_at     timestamptz,
    cancelled_at timestamptz
);
CREATE INDEX timers_due ON rules.timers (due_on) WHERE fired_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX timers_person ON rules.timers (cert_no, kind);

RESET ROLE;
