/* subscriptions.h: who receives notifications outside the inbox API
 * (notify.subscriptions, ops/migrations/008_notify_channels.sql).
 *
 * A subscription chooses a channel (inbox, webhook, email), a target (a URL or
 * an address), a webhook format (json, wecom, dingtalk), an optional secret, and
 * filters by district, audience and rule (an empty filter matches everything).
 * SUBSCRIPTIONS_FAN_OUT() turns newly stored notifications into one delivery row
 * per matching webhook or email subscription, inside the caller's statement;
 * jiuyectl manages the table with the other three functions. Inbox subscriptions
 * get no delivery rows: the inbox API is their delivery. */
#ifndef JIUYE_NOTIFY_SUBSCRIPTIONS_H
#define JIUYE_NOTIFY_SUBSCRIPTIONS_H

#include <libpq-fe.h>
#include <stddef.h>

#define SUBSCRIPTION_MAX_FILTER 32 /* values per filter */
#define SUBSCRIPTION_MAX_TARGET 2048
#define SUBSCRIPTION_MAX_SECRET 256

/* What `jiuyectl subscribe add` asks for. Strings are borrowed; format and secret
 * may be NULL (format defaults to json for a webhook). */
typedef struct subscription_spec {
    const char *name, *channel, *target, *format, *secret;
    const char *districts[SUBSCRIPTION_MAX_FILTER];
    const char *audiences[SUBSCRIPTION_MAX_FILTER];
    const char *rules[SUBSCRIPTION_MAX_FILTER];
    int n_districts, n_audiences, n_rules;
} subscription_spec_t;

/* Validate spec (name, channel, target by channel, format, known district and
 * audience codes, rule ids R01-R99) and store it. Returns 0, or -1 with err set
 * ("target: a webhook needs an http:// or https:// URL", "already exists", ...). */
int subscriptions_add(PGconn *pg, const subscription_spec_t *spec, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Remove subscription name and its deliveries. Returns 1 when removed, 0 when there
 * is no such subscription, -1 with err set on a database error. */
int subscriptions_remove(PGconn *pg, const char *name, char *err, size_t errlen)
    __attribute__((warn_unused_result));

typedef struct subscription_info {
    char name[72];
    char channel[16];
    char format[16];                          /* "" unless a webhook */
    char target[SUBSCRIPTION_MAX_TARGET + 1]; /* "" for inbox */
    int has_secret;
    char districts[256], audiences[256], rules[256]; /* "a,b" or "" (all) */
    char created_at[32];
} subscription_info_t;

/* Every subscription, by name, into *out (malloc'd, caller frees; NULL when none).
 * Returns how many, or -1 with err set (*out untouched). Secrets are not returned. */
long subscriptions_list(PGconn *pg, subscription_info_t **out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* SQL that gives the notifications of `n` (a CTE of notification_id, district,
 * audience and rule: those just stored) one pending delivery per matching
 * webhook or email subscription (an existing pair is left alone); part of the
 * statement that stores them (notice.c), so it costs no statement of its own. */
#define SUBSCRIPTIONS_FAN_OUT(n)                                                                   \
    "INSERT INTO notify.deliveries (notification_id, subscription_id, channel) "                  \
    "SELECT n.notification_id, s.subscription_id, s.channel "                                     \
    "FROM " n " n JOIN notify.subscriptions s ON s.channel <> 'inbox' "                           \
    "AND (cardinality(s.districts) = 0 OR n.district = ANY (s.districts)) "                       \
    "AND (cardinality(s.audiences) = 0 OR n.audience && s.audiences) "                            \
    "AND (cardinality(s.rules) = 0 OR n.rule = ANY (s.rules)) "                                   \
    "ON CONFLICT (notification_id, subscription_id) DO NOTHING"

#endif
