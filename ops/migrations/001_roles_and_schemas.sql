-- 001_roles_and_schemas: one login role and one schema per service (docs/architecture.md "Data
-- ownership"). Each service connects as its own role and owns only its own schema, so it
-- cannot read another service's tables. Idempotent: roles are cluster-wide and may
-- already exist (a second database on the same cluster, a re-created database).

DO $$
DECLARE
    svc text;
BEGIN
    FOREACH svc IN ARRAY ARRAY['intake', 'rules', 'subsidy', 'notify'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jiuye_' || svc) THEN
            -- No password here: migrate.sh sets it from <SVC>_DB_PASSWORD.
            EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE', 'jiuye_' || svc);
        END IF;
    END LOOP;
END
$$;

CREATE SCHEMA IF NOT EXISTS intake  AUTHORIZATION jiuye_intake;
CREATE SCHEMA IF NOT EXISTS rules   AUTHORIZATION jiuye_rules;
CREATE SCHEMA IF NOT EXISTS subsidy AUTHORIZATION jiuye_subsidy;
CREATE SCHEMA IF NOT EXISTS notify  AUTHORIZATION jiuye_notify;

-- Unqualified names resolve to the service's own schema (in this database only).
DO $$
DECLARE
    svc text;
BEGIN
    FOREACH svc IN ARRAY ARRAY['intake', 'rules', 'subsidy', 'notify'] LOOP
        EXECUTE format('ALTER ROLE %I IN DATABASE %I SET search_path = %I, public',
                       'jiuye_' || svc, current_database(), svc);
    END LOOP;
END
$$;

-- Nobody creates objects in public; services may only read which migrations ran
-- (they refuse to start on a schema version they do not know).
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO jiuye_intake, jiuye_rules, jiuye_subsidy, jiuye_notify;
GRANT SELECT ON public.schema_migrations TO jiuye_intake, jiuye_rules, jiuye_subsidy, jiuye_notify;
