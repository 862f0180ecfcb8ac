-- 006_awards_append_only: the ledger refuses edits with a trigger rather than
-- by revoking UPDATE. A reversal's foreign key to the award it corrects is
-- checked with SELECT ... FOR KEY SHARE, which needs the UPDATE privilege; the
-- trigger keeps the guarantee (no award is ever changed or deleted) and says why.
SET ROLE jiuye_subsidy;
GRANT UPDATE, DELETE ON subsidy.awards TO jiuye_subsidy;
CREATE FUNCTION subsidy.awards_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'subsidy.awards is append-only: correct an award with a reversal, never by %', TG_OP;
END
$$;
CREATE TRIGGER awards_append_only BEFORE UPDATE OR DELETE ON subsidy.awards
    FOR EACH ROW EXECUTE FUNCTION subsidy.awards_append_only();
RESET ROLE;
