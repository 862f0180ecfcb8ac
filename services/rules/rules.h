/* rules.h: the rule table and what every rule receives.
 *
 * Each rule of POLICY.md §3 is one file (r01_training_subsidy.c, ...) that
 * exports one decide function; the table in rules.c says which event type
 * triggers it, its clause and its audience. rules_apply() runs every rule
 * an event triggers, under the plan in force on the event's occurred_on. */
#ifndef JIUYE_RULES_RULES_H
#define JIUYE_RULES_RULES_H

#include <libpq-fe.h>
#include <stddef.h>

#include "decision.h"
#include "events.pb-c.h"
#include "policy.h"

typedef struct rule_ctx {
    PGconn *pg;
    const policy_plan_t *plan; /* in force on the event's date */
    jdate_t occurred_on;
} rule_ctx_t;

/* Fill in outcome, reason, facts and parameters of d. Returns 0, or -1 on a
 * database error (the whole message is retried). */
typedef int (*rule_decide_fn)(const rule_ctx_t *ctx, const Jiuye__Event *ev, Jiuye__Decision *d);

typedef struct rule_def {
    const char *id;      /* R01 */
    const char *name;    /* TRAINING_SUBSIDY */
    const char *clause;  /* 二(三)9 */
    const char *trigger; /* event type */
    const char *const *audience;
    rule_decide_fn decide;
} rule_def_t;

int r01_training_subsidy(const rule_ctx_t *ctx, const Jiuye__Event *ev, Jiuye__Decision *d);

/* Update the rules' state with ev and decide every rule it triggers. The new
 * decisions are appended to *out (caller frees each with decision_free and the
 * array with free). Returns 0 or -1 (database error). */
int rules_apply(PGconn *pg, const policy_set_t *plans, const Jiuye__Event *ev, Jiuye__Decision ***out,
                size_t *n_out) __attribute__((warn_unused_result));

/* The subject of an event: the cert_no or employer_code it is about. */
const char *rules_event_subject(const Jiuye__Event *ev);

#endif
