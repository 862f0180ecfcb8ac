-- 008_notify_channels: who receives notifications outside the inbox API, and each
-- delivery to them.
--
-- A subscription names a channel (inbox, webhook or email), where to send (a URL or an
-- address), for webhooks the payload format, an optional secret (HMAC-SHA256 key of a
-- json webhook's X-Signature, or DingTalk's sign secret) and three filters; an empty
-- filter matches everything. `jiuyectl subscribe add|list|remove` manages them.
--
-- A delivery is one (notification, subscription) pair for a webhook or email
-- subscription, written in the same transaction as its notification; the unique key
-- is what makes "one notification per (decision or award, subscription)" hold however
-- often a message is redelivered. Its states:
--
--   pending --2xx / 250--> sent
--      |  \--4xx, refused body, or the last attempt failed--> failed
--      \--timeout, connection error, 5xx: attempts < max--> pending (next_attempt_at later)
--
-- The sender claims a due row by moving next_attempt_at past its request timeout
-- (a lease) and counting the attempt, so a kill -9 during a send leaves the row due
-- again once the lease ends: deliveries are at-least-once, and the Idempotency-Key
-- (the delivery id) lets a receiver drop the repeat.
SET ROLE jiuye_notify;
CREATE TABLE notify.subscriptions (
    subscription_id bigserial PRIMARY KEY,
    name            text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
    channel         text NOT NULL CHECK (channel IN ('inbox', 'webhook', 'email')),
    target          text CHECK (length(target) <= 2048),
    format          text CHECK (format IN ('json', 'wecom', 'dingtalk')),
    secret          text CHECK (length(secret) <= 256),
    districts       text[] NOT NULL DEFAULT '{}',
    audiences       text[] NOT NULL DEFAULT '{}',
    rules           text[] NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((channel = 'webhook') = (format IS NOT NULL)),
    CHECK ((channel = 'inbox') = (target IS NULL))
);

CREATE TABLE notify.deliveries (
    delivery_id     bigserial PRIMARY KEY,
    notification_id bigint NOT NULL REFERENCES notify.notifications (notification_id),
    subscription_id bigint NOT NULL REFERENCES notify.subscriptions (subscription_id) ON DELETE CASCADE,
    channel         text NOT NULL CHECK (channel IN ('webhook', 'email')),
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_code       int,  -- HTTP status or SMTP reply code of the last attempt
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    done_at         timestamptz,
    UNIQUE (notification_id, subscription_id)
);
CREATE INDEX deliveries_due ON notify.deliveries (next_attempt_at) WHERE status = 'pending';
RESET ROLE;
