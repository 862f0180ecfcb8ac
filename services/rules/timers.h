/* timers.h: durable timers in rules.timers (R08 anniversaries, R15 and R16
 * deadlines, the 30 days a pending event waits for its registration).
 *
 *   scheduled --due_on <= today: timers_fire_due()--> fired
 *       \--the awaited fact arrives in time (state.c, r08)--> cancelled
 *
 * A timer fires in one transaction with the decisions it makes, their outbox
 * message and its fired mark: after a crash it fires once, and a timer due
 * while the service was down fires when it comes back (catch-up). */
#ifndef JIUYE_RULES_TIMERS_H
#define JIUYE_RULES_TIMERS_H

#include <libpq-fe.h>

#include "policy.h"
#include "rules.h"

/* Schedule a timer (idempotent on timer_id) inside the open transaction. */
int timers_schedule(PGconn *pg, const char *timer_id, const char *kind, jdate_t due, const char *cert_no,
                    const Jiuye__Event *ev, const char *detail) __attribute__((warn_unused_result));

/* Cancel a timer that has not fired. Returns 0 or -1. */
int timers_cancel(PGconn *pg, const char *timer_id) __attribute__((warn_unused_result));

/* What a timer of some kind decides when it fires: appends to out. */
typedef int (*timer_fire_fn)(const rule_ctx_t *ctx, const Jiuye__Event *ev, const char *detail, decision_list_t *out);

/* The timer_fire_fn of each kind, called by timers_fire_due() in the timer's
 * transaction with ev the event that scheduled it; each appends what it
 * decides to out (which owns it) and returns 0, or -1 on a database error.
 * detail: R08's anniversary, "" or the decision id a replay makes instead;
 * R15's and R16's deadline, the service that is due; a pending expiry, the
 * pending decision's id. */
int r08_anniversary_fire(const rule_ctx_t *ctx, const Jiuye__Event *ev, const char *detail, decision_list_t *out);
int r15_deadline_fire(const rule_ctx_t *ctx, const Jiuye__Event *ev, const char *detail, decision_list_t *out);
int r16_deadline_fire(const rule_ctx_t *ctx, const Jiuye__Event *ev, const char *detail, decision_list_t *out);
/* R15 and R16 share it: an overdue service (days_param after registration) is action_required. */
int service_deadline_fire(const rule_ctx_t *ctx, const Jiuye__Event *ev, const char *cert_no, const char *service,
                          const char *rule, const char *name, const char *clause, const char *const *audience,
                          const char *days_param, decision_list_t *out);
int pending_expire_fire(const rule_ctx_t *ctx, const Jiuye__Event *ev, const char *detail, decision_list_t *out);

/* Fire up to max timers due on or before today, each in its own transaction
 * that stores its decisions and their outbox message. Returns the number fired,
 * or -1 on a database error (what fired before it stays fired). */
int timers_fire_due(PGconn *pg, const policy_set_t *plans, jdate_t today, int max);

#endif
