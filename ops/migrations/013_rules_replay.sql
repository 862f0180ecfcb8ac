-- 013_rules_replay: what `jiuyectl replay` needs.
--
-- rules keeps every event it consumed (the protobuf jiuye.Event, as intake
-- sent it), so that after a policy correction it can decide past events again
-- without reading intake's schema. Events consumed before this migration are
-- not kept: a replay cannot re-run them and says so (docs/operations.md "Replay after a policy correction").
SET ROLE jiuye_rules;
CREATE TABLE rules.events (
    source      text NOT NULL,
    event_id    text NOT NULL,
    type        text NOT NULL,
    occurred_on date NOT NULL,
    event       bytea NOT NULL, -- the jiuye.Event
    consumed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, event_id)
);
CREATE INDEX events_occurred ON rules.events (occurred_on, source, event_id);

-- One row per replay that changed something or not (a dry run leaves none):
-- the request, when, and per rule how many decisions were examined, unchanged,
-- corrected and skipped (the reply of POST /v1/replay).
CREATE TABLE rules.replays (
    replay_id    bigserial PRIMARY KEY,
    from_on      date NOT NULL,
    to_on        date NOT NULL,
    rule         text,
    requested_at timestamptz NOT NULL DEFAULT now(),
    summary      jsonb
);

-- The latest effective decision of an event and rule is the one no other
-- decision corrects: found through this index.
CREATE INDEX decisions_corrects ON rules.decisions ((body->>'corrects_decision_id'))
    WHERE body ? 'corrects_decision_id';
RESET ROLE;

-- subsidy: an award that replaces a reversed one (a replayed decision with a new
-- amount) takes over the place the reversed award held in its limit (the same
-- yearly slot, the same agency tier number, the same once-per-person place),
-- so the limit counts places, not rows: a place is held by an original award
-- (replaces_award_id NULL) and kept by its replacements. An award is replaced
-- at most once, as it is reversed at most once.
SET ROLE jiuye_subsidy;
ALTER TABLE subsidy.awards ADD COLUMN replaces_award_id text REFERENCES subsidy.awards (award_id);
CREATE UNIQUE INDEX awards_replaced_once ON subsidy.awards (replaces_award_id)
    WHERE replaces_award_id IS NOT NULL;
-- A replayed decision both reverses the old award and makes a new one under one
-- program: a decision holds at most one award and one reversal per program
-- (the reversal's id ends in "/reversal").
ALTER TABLE subsidy.awards DROP CONSTRAINT awards_decision_id_program_key;
CREATE UNIQUE INDEX awards_decision_program ON subsidy.awards (decision_id, program, (reverses_award_id IS NOT NULL));
DROP INDEX subsidy.awards_limit_slot;
CREATE UNIQUE INDEX awards_limit_slot ON subsidy.awards (program, beneficiary, limit_key, slot)
    WHERE status IN ('granted', 'waiting_budget') AND slot IS NOT NULL AND replaces_award_id IS NULL;
RESET ROLE;
