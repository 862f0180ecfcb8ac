-- 002_delivery: the tables of the delivery protocol (common/link.h, docs/architecture.md "Delivery").
-- outbox: what a producer has committed and not yet seen acknowledged (the backlog).
-- consumed: message ids a consumer has taken effect for, written in the effect's
--           transaction; its primary key is what makes a redelivery a no-op.
-- dead_letters: messages a consumer could never process, kept for operators.
-- Tables are created as the owning service's role so that only it can touch them.

SET ROLE jiuye_intake;
CREATE TABLE intake.outbox (
    seq        bigserial PRIMARY KEY,
    message_id text NOT NULL UNIQUE,
    payload    bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
RESET ROLE;

SET ROLE jiuye_rules;
CREATE TABLE rules.outbox (
    seq        bigserial PRIMARY KEY,
    message_id text NOT NULL UNIQUE,
    payload    bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE rules.consumed (
    message_id  text PRIMARY KEY,
    consumed_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE rules.dead_letters (
    message_id text NOT NULL,
    error      text NOT NULL,
    payload    bytea NOT NULL,
    at         timestamptz NOT NULL DEFAULT now()
);
RESET ROLE;

SET ROLE jiuye_subsidy;
CREATE TABLE subsidy.outbox (
    seq        bigserial PRIMARY KEY,
    message_id text NOT NULL UNIQUE,
    payload    bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE subsidy.consumed (
    message_id  text PRIMARY KEY,
    consumed_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE subsidy.dead_letters (
    message_id text NOT NULL,
    error      text NOT NULL,
    payload    bytea NOT NULL,
    at         timestamptz NOT NULL DEFAULT now()
);
RESET ROLE;

SET ROLE jiuye_notify;
CREATE TABLE notify.consumed (
    message_id  text PRIMARY KEY,
    consumed_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE notify.dead_letters (
    message_id text NOT NULL,
    error      text NOT NULL,
    payload    bytea NOT NULL,
    at         timestamptz NOT NULL DEFAULT now()
);
RESET ROLE;
