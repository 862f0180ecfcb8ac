-- 005_subsidy_limits: the ledger's limits by key, not only by calendar year.
-- limit_key names the period a limit counts in: '2024' (training awards per
-- year, agency tiers by anniversary year, employer rewards per report year),
-- 'AY2024' (tuition per academic year), 'once' (once-per-person programs).
-- A granted award that takes a numbered slot in its period holds it uniquely,
-- and an award is reversed at most once.
SET ROLE jiuye_subsidy;
ALTER TABLE subsidy.awards ADD COLUMN limit_key text;
DROP INDEX subsidy.awards_yearly_slot;
CREATE UNIQUE INDEX awards_limit_slot ON subsidy.awards (program, beneficiary, limit_key, slot)
    WHERE status = 'granted' AND slot IS NOT NULL;
CREATE UNIQUE INDEX awards_reversed_once ON subsidy.awards (reverses_award_id)
    WHERE reverses_award_id IS NOT NULL;
CREATE INDEX awards_decision ON subsidy.awards (decision_id);
RESET ROLE;
