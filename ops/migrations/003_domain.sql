-- 003_domain: each service's own state.

-- intake: upstream sources with hashed bearer tokens, and every accepted event.
SET ROLE jiuye_intake;
CREATE TABLE intake.sources (
    name         text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
    token_sha256 bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);
CREATE TABLE intake.events (
    source       text NOT NULL REFERENCES intake.sources (name),
    event_id     text NOT NULL,
    type         text NOT NULL,
    occurred_on  date NOT NULL,
    district     text NOT NULL,
    body         jsonb NOT NULL,
    body_sha256  bytea NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, event_id)
);
RESET ROLE;

-- rules: the facts the rules need (persons) and every decision made.
SET ROLE jiuye_rules;
CREATE TABLE rules.persons (
    cert_no           text PRIMARY KEY,
    district          text NOT NULL,
    registered_on     date NOT NULL,
    name              text NOT NULL,
    employment_status text NOT NULL,
    wants_job         boolean NOT NULL,
    low_income        boolean NOT NULL,
    hard_to_employ    boolean NOT NULL,
    source            text NOT NULL,
    event_id          text NOT NULL
);
CREATE TABLE rules.decisions (
    decision_id  text PRIMARY KEY,
    source       text NOT NULL,
    event_id     text NOT NULL,
    rule         text NOT NULL,
    outcome      text NOT NULL,
    subject      text NOT NULL,
    district     text NOT NULL,
    occurred_on  date NOT NULL,
    body         jsonb NOT NULL,
    decided_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX decisions_event ON rules.decisions (event_id, source);
CREATE INDEX decisions_subject ON rules.decisions (subject);
RESET ROLE;

-- subsidy: the append-only ledger of awards. A granted training award takes one
-- of three yearly slots (docs/policy.md §3 R01): the unique index is the cap itself, so
-- even a bug or a redelivery cannot pay a fourth.
SET ROLE jiuye_subsidy;
CREATE TABLE subsidy.awards (
    award_id          text PRIMARY KEY,
    decision_id       text NOT NULL,
    program           text NOT NULL,
    rule              text NOT NULL,
    beneficiary       text NOT NULL,
    district          text NOT NULL,
    year              int NOT NULL,
    amount_fen        bigint NOT NULL,
    status            text NOT NULL CHECK (status IN ('granted', 'refused', 'waiting_budget')),
    slot              int,
    reverses_award_id text REFERENCES subsidy.awards (award_id),
    body              jsonb NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (decision_id, program)
);
CREATE UNIQUE INDEX awards_yearly_slot ON subsidy.awards (program, beneficiary, year, slot)
    WHERE status = 'granted' AND slot IS NOT NULL;
CREATE INDEX awards_beneficiary ON subsidy.awards (beneficiary, year);
REVOKE UPDATE, DELETE, TRUNCATE ON subsidy.awards FROM jiuye_subsidy;
RESET ROLE;

-- notify: what staff receive. One row per decision or award (ref_id), whatever
-- the number of deliveries of the message that carried it.
SET ROLE jiuye_notify;
CREATE TABLE notify.notifications (
    notification_id bigserial PRIMARY KEY,
    ref_id          text NOT NULL UNIQUE,
    kind            text NOT NULL CHECK (kind IN ('decision', 'award')),
    rule            text NOT NULL,
    district        text NOT NULL,
    audience        text[] NOT NULL,
    event_id        text NOT NULL,
    source          text NOT NULL,
    title           text NOT NULL,
    body            text NOT NULL,
    amount_fen      bigint,
    clause          text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    acked_by        text,
    acked_at        timestamptz
);
CREATE INDEX notifications_district ON notify.notifications (district, notification_id);
RESET ROLE;
