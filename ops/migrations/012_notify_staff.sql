-- 012_notify_staff: staff members of the console and their stream tickets.
--
-- A staff member signs in to the web console (services/notify/web/) with a bearer
-- token that `jiuyectl staff add NAME --district D --department X` prints once; only
-- its SHA-256 is kept here, as intake keeps its sources' tokens. The console shows a
-- staff member the notifications of their district addressed to their department
-- (an audience code of common/audience.c), and acknowledges in their name.
--
-- The live inbox is an EventSource, which cannot send an Authorization header: the
-- console trades its token for a ticket (POST /v1/console/ticket), which notify sets
-- as an HttpOnly, SameSite=Strict cookie scoped to the stream's path and valid for
-- NOTIFY_TICKET_TTL_S seconds (60). Tickets are rows, not process memory, so any notify
-- instance honours them; revoking the staff member ends their tickets too (the join).
SET ROLE jiuye_notify;
CREATE TABLE notify.staff (
    staff_id     bigserial PRIMARY KEY,
    name         text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
    district     text NOT NULL CHECK (district ~ '^[0-9]{6}$'),
    department   text NOT NULL CHECK (department ~ '^[a-z]{1,16}$'),
    token_sha256 bytea NOT NULL UNIQUE CHECK (length(token_sha256) = 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);

CREATE TABLE notify.staff_tickets (
    ticket_sha256 bytea PRIMARY KEY CHECK (length(ticket_sha256) = 32),
    staff_id      bigint NOT NULL REFERENCES notify.staff (staff_id) ON DELETE CASCADE,
    expires_at    timestamptz NOT NULL
);
CREATE INDEX staff_tickets_expiry ON notify.staff_tickets (expires_at);
RESET ROLE;
