/* rules.h: the rule table and what every rule receives (docs/policy.md §3).
 *
 * Each rule is one file (r01_training_subsidy.c, ...) exporting decide
 * functions; the table in rules.c says which event type triggers each, its
 * clause and its audience. rules_apply() updates the rules' state with an
 * event, then runs every rule it triggers under the plan in force on the
 * event's occurred_on. Rules that correct earlier decisions (an
 * employment.ended) are never `not_in_force` (docs/policy.md §3 "The plan window and
 * later facts"). */
#ifndef JIUYE_RULES_RULES_H
#define JIUYE_RULES_RULES_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>

#include "decision.h"
#include "events.pb-c.h"
#include "policy.h"
#include "txn.h"

typedef struct rule_ctx {
    txn_t *txn;   /* the transaction the rule's reads and writes are part of */
    PGconn *pg;   /* txn_pg(txn) */
    const policy_set_t *plans;
    const policy_plan_t *plan; /* in force on the event's date; NULL for corrections outside every plan */
    jdate_t occurred_on;
    jdate_t today;
    /* Replay (replay.h): the facts recorded by the decision being re-run, so
     * that facts of the case that later events changed (registration, a
     * graduate's record) are those of the event's own time; NULL otherwise. */
    const json_t *replay_facts;
} rule_ctx_t;

/* What a decide function did with the decision it was handed. */
typedef enum {
    RULE_DECIDED = 0, /* d is filled in: keep it */
    RULE_NONE = 1,    /* the rule has nothing to say about this event: drop d */
    RULE_ERROR = -1,  /* database error: the whole message is retried */
} rule_result_t;

typedef rule_result_t (*rule_decide_fn)(const rule_ctx_t *ctx, const Jiuye__Event *ev, Jiuye__Decision *d);

typedef struct rule_def {
    const char *key;     /* decision id suffix: "R07", "R07-loan" */
    const char *id;      /* R07 */
    const char *name;    /* STARTUP */
    const char *clause;  /* 一(一)3 */
    const char *trigger; /* event type */
    const char *const *audience;
    int correction;      /* corrects earlier decisions: applies outside the plan window too */
    rule_decide_fn decide;
    int quiet_outside_plans; /* a service, not an entitlement: no not_in_force decision */
} rule_def_t;

/* The list of decisions made while handling one message. */
typedef struct decision_list {
    Jiuye__Decision **items;
    size_t n;
} decision_list_t;

/* Append d to l, which takes ownership of it (aborts when out of memory).
 * decision_list_clear() frees every decision and the array, leaving l empty
 * and reusable. A zeroed list is empty. */
void decision_list_add(decision_list_t *l, Jiuye__Decision *d);
void decision_list_clear(decision_list_t *l);

/* Update the rules' state with ev and decide every rule it triggers, appending
 * to out (apply.c: rules.events, state.h, rules_decide(), then the pending
 * events a registration releases). Returns 0 or -1 (database error). */
int rules_apply(txn_t *t, const policy_set_t *plans, const Jiuye__Event *ev, decision_list_t *out)
    __attribute__((warn_unused_result));

/* Decide every rule ev triggers under the plan in force on its date,
 * appending to out; nothing else. Returns 0 or -1 (database error). */
int rules_decide(txn_t *t, const policy_set_t *plans, const Jiuye__Event *ev, decision_list_t *out)
    __attribute__((warn_unused_result));

/* Decide the rule with key for ev again, under decision_id (a pending event
 * whose person is now registered). Returns the decision or NULL (the rule had
 * nothing to say, or *failed is set on error). */
Jiuye__Decision *rules_decide_one(txn_t *t, const policy_set_t *plans, const Jiuye__Event *ev, const char *key,
                                  const char *decision_id, int *failed);

/* The next rule after *cursor (start at 0) that ev triggers (its type, and
 * the rule's own test of the event), corrections included; NULL at the end. */
const rule_def_t *rules_next_triggered(const Jiuye__Event *ev, size_t *cursor);

/* Decide rule r for ev again under decision_id, with the current plans and
 * the facts of the case recorded by the decision it replays (facts; see
 * rule_ctx_t.replay_facts). Returns the decision, or NULL when the rule has
 * nothing to say now (switched off in the plan, or RULE_NONE), or on error
 * (*failed set). Side effects on the rules' state happen in the caller's
 * transaction (replay.c wraps each in a savepoint). */
Jiuye__Decision *rules_redecide(txn_t *t, const policy_set_t *plans, const Jiuye__Event *ev, const rule_def_t *r,
                                const json_t *facts, const char *decision_id, int *failed);

/* The definition of a rule by decision key, or NULL. */
const rule_def_t *rules_find(const char *key);

/* The subject of an event: the cert_no or employer_code it is about. */
const char *rules_event_subject(const Jiuye__Event *ev);

/* Shared helpers for rule files (rule_kit.c) ------------------------------ */

/* Read parameter name (district-aware) into v and record it in d. Returns 0;
 * -1 when the plan lacks it (d is then set ineligible naming the parameter). */
int rule_param(const rule_ctx_t *ctx, Jiuye__Decision *d, const char *name, jdate_t on, policy_value_t *v);

/* The person of cert_no must be registered: returns 1 when registered; 0 after
 * making d `pending` and remembering ev until the registration arrives; -1 on error. */
int rule_require_registered(const rule_ctx_t *ctx, const Jiuye__Event *ev, const char *cert_no, Jiuye__Decision *d);

/* Working age on ctx->occurred_on (docs/policy.md §1). Records age and sex as facts
 * and the limits as parameters. Returns 1 in working age, 0 not (d made
 * ineligible with the reason), -1 when a parameter is missing. */
int rule_working_age(const rule_ctx_t *ctx, Jiuye__Decision *d, const char *cert_no, const char *what);

/* Rule functions, one file each: the rule_decide_fn of the table's entries,
 * called by rules.c inside ctx->txn with a decision d made for them;
 * each returns a rule_result_t (what became of d). */
rule_result_t r01_training_subsidy(const rule_ctx_t *, const Jiuye__Event *, Jiuye__Decision *);
rule_result_t r02_blind_massage_training(const rule_ctx_t *, const Jiuye__Event *, Jiuye__Decision *);
rule_result_t r03_blind_tuition(const rule_ctx_t *, const Jiuye__Event *, Jiuye__Decision *);
rule_result_t r04_public_welfare_post(const rule_ctx_t *, const Jiuye__Event *, Jiuye__Decision *);
rule_result_t r04_post_ended(const rule_ctx_t *, const Jiuye__Event *, Jiuye__Decision *);
rule_result_t r05_graduate_jobseek(const rule_ctx_t *, const Jiuye__Event *, Jiuye__Decision *);
rule_result_t r06_internship(const rule_ctx_t *, const Jiuye__Event *, Jiuye__Decision *);
rule_result_t r07_startup(const rule_ctx_t *, const Jiuye__Event *, Jiuye__Decision *);
rule_result_t r07_startup_loan(const rule_ctx_t *, const Jiuye__Event *, Jiuye__Decision *);
rule_result_t r08_agency_placement(const rule_ctx_t *, const Jiuye__Event *, Jiuye__Decision *);
rule_result_t r08_placement_ended(const rule_ctx_t *, const Jiuye__Event *, Jiuye__Decision *);
rule_result_t r09_employer_quota(const rule_ctx_t *, const Jiuye__Event *, Jiuye__Decision *);
rule_result_t r10_institution_must_hire(const rule_ctx_t *, const Jiuye__Event *, Jiuye__Decision *);
rule_result_t r11_soe_recruitment(const rule_ctx_t *, const Jiuye__Event *, Jiuye__Decision *);
rule_result_t r12_pwp_ratio(const rule_ctx_t *, const Jiuye__Event *, Jiuye__Decision *);
rule_result_t r13_hard_to_employ(const rule_ctx_t *, const Jiuye__Event *, Jiuye__Decision *);
rule_result_t r14_low_income_exemption(const rule_ctx_t *, const Jiuye__Event *, Jiuye__Decision *);
rule_result_t r15_four_one_service(const rule_ctx_t *, const Jiuye__Event *, Jiuye__Decision *);
rule_result_t r16_graduate_service(const rule_ctx_t *, const Jiuye__Event *, Jiuye__Decision *);
rule_result_t r17_vacancy_posted(const rule_ctx_t *, const Jiuye__Event *, Jiuye__Decision *);
rule_result_t r17_person_match(const rule_ctx_t *, const Jiuye__Event *, Jiuye__Decision *);

#endif
