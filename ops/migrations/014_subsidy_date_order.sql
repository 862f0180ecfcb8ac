-- 014_subsidy_date_order: caps, once-per-person programs and tiers in date order
-- (docs/policy.md §3 "Order of arrival"; services/subsidy/claims.h).
--
-- Each eligible decision of a limited program (R01 yearly training awards, R03
-- tuition cap, R05/R07 once per person, R08 agency tiers, R09 once per report
-- year) is recorded as a claim on its limit: the limit, the date order
-- (occurred_on, or the R08 anniversary with start date and cert_no, then
-- event_id and source), what it asks, and the decision itself (the protobuf
-- jiuye.Decision, to build its award again when its place moves). A claim is
-- withdrawn when a settled decision corrects its decision
-- (subsidy.decisions.corrects_decision_id): no row is ever changed. Claims are
-- kept forever, like the awards they explain.
SET ROLE jiuye_subsidy;
CREATE TABLE subsidy.claims (
    decision_id text NOT NULL,
    program     text NOT NULL,
    beneficiary text NOT NULL,
    limit_key   text NOT NULL,
    order_on    date NOT NULL,
    order_tie   text NOT NULL,
    event_id    text NOT NULL,
    source      text NOT NULL,
    want_fen    bigint NOT NULL, -- the amount with a place (R03: before the cap; R08: first tier)
    tier2_fen   bigint NOT NULL, -- R08: from the number cap + 1
    cap         bigint NOT NULL, -- places (R01), fen (R03), first-tier numbers (R08)
    year        int NOT NULL,    -- the award's year
    decision    bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (decision_id, program)
);
CREATE INDEX claims_limit ON subsidy.claims (program, beneficiary, limit_key);
CREATE TRIGGER claims_append_only BEFORE UPDATE OR DELETE ON subsidy.claims
    FOR EACH ROW EXECUTE FUNCTION subsidy.awards_append_only();
CREATE INDEX decisions_corrected ON subsidy.decisions (corrects_decision_id)
    WHERE corrects_decision_id IS NOT NULL;

-- A claim's awards form a chain: its first award, then each new award that
-- replaces the one before (after a reversal, or a refusal that gained a
-- place). A decision starts at most one chain per program; the next awards of
-- a moved claim are "<decision>/<program>/<n>", their reversals
-- "<decision>/<program>/<n>/reversal".
DROP INDEX subsidy.awards_decision_program;
CREATE UNIQUE INDEX awards_decision_chain ON subsidy.awards (decision_id, program)
    WHERE reverses_award_id IS NULL AND replaces_award_id IS NULL;

-- A place token (slot) of a limit changes hands when a late, earlier-dated
-- claim takes it, so the old unique index (over rows) cannot hold: the guard
-- is now that at most one award not reversed holds a token. The new holder is
-- inserted after the reversal of the old one, in the same transaction, by the
-- one consumer of the service.
DROP INDEX subsidy.awards_limit_slot;
CREATE INDEX awards_limit_place ON subsidy.awards (program, beneficiary, limit_key, slot)
    WHERE slot IS NOT NULL;
CREATE FUNCTION subsidy.awards_one_holder_per_place() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM subsidy.awards a
                WHERE a.program = NEW.program AND a.beneficiary = NEW.beneficiary
                  AND a.limit_key IS NOT DISTINCT FROM NEW.limit_key AND a.slot = NEW.slot
                  AND a.status IN ('granted', 'waiting_budget') AND a.amount_fen > 0
                  AND a.reverses_award_id IS NULL
                  AND NOT EXISTS (SELECT 1 FROM subsidy.awards x WHERE x.reverses_award_id = a.award_id)) THEN
        -- no beneficiary in the message: it would reach the logs
        RAISE EXCEPTION 'place % of % % is already held by an award not reversed', NEW.slot, NEW.program, NEW.limit_key
            USING ERRCODE = 'unique_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER awards_one_holder_per_place BEFORE INSERT ON subsidy.awards
    FOR EACH ROW
    WHEN (NEW.slot IS NOT NULL AND NEW.status IN ('granted', 'waiting_budget') AND NEW.amount_fen > 0
          AND NEW.reverses_award_id IS NULL)
    EXECUTE FUNCTION subsidy.awards_one_holder_per_place();
RESET ROLE;
