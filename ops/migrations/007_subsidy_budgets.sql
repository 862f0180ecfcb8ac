-- 007_subsidy_budgets: yearly budgets and the plan targets (docs/policy.md §4, §8).
--
-- Budgets (the plan file's "budgets", common/policy.h) are read from the plan,
-- not stored here: what is stored is the money already granted, which the
-- ledger already holds. An award beyond its budget is stored with status
-- waiting_budget, amount kept: it holds its place in the limits (the yearly
-- training slots, once-per-person programs, agency tiers) like a granted one,
-- so the slot index now covers both; only granted money counts against a
-- budget (awards_budget), and a reversal of a granted award frees it.
SET ROLE jiuye_subsidy;
DROP INDEX subsidy.awards_limit_slot;
CREATE UNIQUE INDEX awards_limit_slot ON subsidy.awards (program, beneficiary, limit_key, slot)
    WHERE status IN ('granted', 'waiting_budget') AND slot IS NOT NULL;
CREATE INDEX awards_budget ON subsidy.awards (program, year, district) WHERE status = 'granted';

-- Every decision the service has settled, one row each, written in the same
-- transaction as its awards. The primary key is what makes the same decision
-- delivered again under another message id "already settled" (services/subsidy/
-- programs.c), and the rows are the facts the plan targets are counted from
-- (GET /v1/kpi, services/subsidy/kpi.c): the subsidy service reads no other
-- schema, so it keeps what the decisions carried. facts holds the decision's
-- facts by name, plus the few event fields the targets need ("event.wants_job").
CREATE TABLE subsidy.decisions (
    decision_id          text PRIMARY KEY,
    seq                  bigserial NOT NULL UNIQUE,
    source               text NOT NULL,
    event_id             text NOT NULL,
    event_type           text NOT NULL,
    rule                 text NOT NULL,
    outcome              text NOT NULL,
    district             text NOT NULL,
    occurred_on          date,
    year                 int,
    subject              text NOT NULL,
    corrects_decision_id text,
    facts                jsonb NOT NULL,
    settled_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX decisions_kpi ON subsidy.decisions (rule, year, district);

-- Decisions settled before this migration are known only by their awards:
-- recorded as settled (so a redelivery of one still pays nothing twice), with
-- no outcome, so the targets do not count them.
INSERT INTO subsidy.decisions (decision_id, source, event_id, event_type, rule, outcome, district, subject, facts)
SELECT DISTINCT ON (decision_id) decision_id, coalesce(body->>'source', ''), coalesce(body->>'event_id', ''), '',
       rule, '', district, beneficiary, '{}'::jsonb
  FROM subsidy.awards ORDER BY decision_id, created_at;
RESET ROLE;
