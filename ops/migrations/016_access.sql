-- 016_access: who may call what (the bearer tokens of every role) and the access log.
--
-- Roles (docs/architecture.md, "Access"): source (publishes events), staff (reads the
-- records of their district, acknowledges in their own name), operator (replay and every
-- read), auditor (reads the access log alone), metrics (GET /metrics alone).
--
-- Tokens stay where they were for the two roles that had them (intake.sources for
-- sources, notify.staff for staff: their tickets, the ZeroMQ ingest and the console keep
-- working unchanged); access.tokens holds the three new roles. access.principals is the
-- one place every service looks a token up, by its SHA-256, whatever its role; it is a
-- view owned by the migration's user, so a service reads the three tables through it
-- and nothing else of the others' schemas. Every token may expire (expires_at) and be
-- revoked (revoked_at); either ends it at once, since nothing caches a lookup.
--
-- audit.access_log: one row per answer that showed a person's data (who, role, when,
-- method, route, the cert_nos whose records it showed), written before the answer is
-- sent. Append-only: a trigger refuses UPDATE and DELETE (whoever asks), the services
-- may INSERT only, nobody but the migration's user may TRUNCATE, and only notify's role
-- (which serves GET /v1/audit to auditors) may read it.
CREATE SCHEMA access;
CREATE SCHEMA audit;

CREATE TABLE access.tokens (
    token_id     bigserial PRIMARY KEY,
    role         text NOT NULL CHECK (role IN ('operator', 'auditor', 'metrics')),
    name         text NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
    token_sha256 bytea NOT NULL UNIQUE CHECK (length(token_sha256) = 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    revoked_at   timestamptz,
    UNIQUE (role, name)
);
-- jiuyectl writes the tokens as notify's role, as it writes notify.staff.
ALTER TABLE access.tokens OWNER TO jiuye_notify;
SET ROLE jiuye_notify;
ALTER TABLE notify.staff ADD COLUMN expires_at timestamptz;
RESET ROLE;

CREATE VIEW access.principals AS
    SELECT 'source'::text AS role, 0::bigint AS id, name, ''::text AS district, ''::text AS department,
           token_sha256, NULL::timestamptz AS expires_at, revoked_at
      FROM intake.sources
    UNION ALL
    SELECT 'staff', staff_id, name, district, department, token_sha256, expires_at, revoked_at
      FROM notify.staff
    UNION ALL
    SELECT role, token_id, name, '', '', token_sha256, expires_at, revoked_at
      FROM access.tokens;
GRANT USAGE ON SCHEMA access TO jiuye_intake, jiuye_rules, jiuye_subsidy, jiuye_notify;
GRANT SELECT ON access.principals TO jiuye_intake, jiuye_rules, jiuye_subsidy, jiuye_notify;

CREATE TABLE audit.access_log (
    access_id bigserial PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT now(),
    who       text NOT NULL,
    role      text NOT NULL,
    service   text NOT NULL,
    method    text NOT NULL,
    route     text NOT NULL,
    subjects  text[] NOT NULL
);
CREATE INDEX access_log_at ON audit.access_log (at);
CREATE INDEX access_log_who ON audit.access_log (who, at);
CREATE INDEX access_log_subjects ON audit.access_log USING gin (subjects);

CREATE FUNCTION audit.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit.access_log is append-only: % refused', TG_OP;
END
$$;
CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON audit.access_log
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();

REVOKE ALL ON audit.access_log FROM PUBLIC;
GRANT USAGE ON SCHEMA audit TO jiuye_intake, jiuye_rules, jiuye_subsidy, jiuye_notify;
GRANT INSERT ON audit.access_log TO jiuye_intake, jiuye_rules, jiuye_subsidy, jiuye_notify;
GRANT USAGE ON SEQUENCE audit.access_log_access_id_seq TO jiuye_intake, jiuye_rules, jiuye_subsidy, jiuye_notify;
GRANT SELECT ON audit.access_log TO jiuye_notify;
