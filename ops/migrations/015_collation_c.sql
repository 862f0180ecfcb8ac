-- 015_collation_c: every text column of the four schemas compares its bytes
-- (COLLATE "C") instead of asking the C library (the database's default
-- collation, C.UTF-8 in ops/pg-local.sh and the compose image).
--
-- Why: the columns are identifiers, codes, dates as text and documents; no
-- query sorts them for a reader by a language's rules. Under C.UTF-8 (a
-- library collation to PostgreSQL 15) every comparison of a btree insert or
-- lookup, ANALYZE's sort and every ORDER BY goes through strcoll with copies of
-- both strings; under "C" it is memcmp, and sorts use abbreviated keys. The
-- order is the same: C.UTF-8 orders by code point, and UTF-8's byte order is
-- code point order. docs/performance.md "Text compares bytes" says what it
-- saves.
--
-- A new column of these schemas is declared COLLATE "C" too
-- (tests/integration/collation.sh fails otherwise).
--
-- Cost on a database that already holds data: the indexes on these columns are
-- rebuilt (the tables are not rewritten: the type does not change) and the
-- foreign keys on them checked again, under an exclusive lock; minutes for
-- millions of rows. Run it with the services stopped (docs/operations.md "Upgrade").
--
-- A column a trigger's WHEN names cannot change type: that trigger (014) is
-- dropped and made again as it was.
DROP TRIGGER awards_one_holder_per_place ON subsidy.awards;
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN
        SELECT format('ALTER TABLE %I.%I ', n.nspname, c.relname)
               || string_agg(format('ALTER COLUMN %I TYPE %s COLLATE "C"', a.attname,
                                    format_type(a.atttypid, a.atttypmod)), ', ' ORDER BY a.attnum) AS stmt
          FROM pg_attribute a
          JOIN pg_class c ON c.oid = a.attrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname IN ('intake', 'rules', 'subsidy', 'notify')
           AND c.relkind IN ('r', 'p')
           AND a.attnum > 0 AND NOT a.attisdropped
           AND a.attcollation = (SELECT oid FROM pg_collation WHERE collname = 'default')
         GROUP BY n.nspname, c.relname
         ORDER BY n.nspname, c.relname
    LOOP
        EXECUTE t.stmt;
    END LOOP;
END
$$;
CREATE TRIGGER awards_one_holder_per_place BEFORE INSERT ON subsidy.awards
    FOR EACH ROW
    WHEN (NEW.slot IS NOT NULL AND NEW.status IN ('granted', 'waiting_budget') AND NEW.amount_fen > 0
          AND NEW.reverses_award_id IS NULL)
    EXECUTE FUNCTION subsidy.awards_one_holder_per_place();
