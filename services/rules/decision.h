/* decision.h: building, storing and showing decisions (docs/policy.md §3).
 *
 * A decision is a Jiuye__Decision whose strings and lists are all malloc'd, so
 * that jiuye__decision__free_unpacked() releases it. The builder functions
 * abort on out-of-memory (a service that cannot allocate a few bytes restarts;
 * the message is redelivered). */
#ifndef JIUYE_RULES_DECISION_H
#define JIUYE_RULES_DECISION_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdint.h>

#include "decisions.pb-c.h"
#include "policy.h"

/* A new decision of rule (id, name, clause, audience) about ev, with id
 * "<source>/<event_id>/<key>". Caller owns it. */
Jiuye__Decision *decision_new(const Jiuye__Event *ev, const char *key, const char *rule, const char *rule_name,
                              const char *clause, const char *const *audience, const char *subject);
void decision_set_id(Jiuye__Decision *d, const char *decision_id);
/* Mark d as correcting the earlier decision corrected_id (the subsidy service reverses its awards). */
void decision_correct(Jiuye__Decision *d, const char *corrected_id);
void decision_free(Jiuye__Decision *d);

void decision_fact(Jiuye__Decision *d, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Record a parameter value used, with the date it took effect and its source. */
void decision_param(Jiuye__Decision *d, const char *name, const policy_value_t *v);
void decision_plan(Jiuye__Decision *d, const policy_plan_t *plan);
void decision_set(Jiuye__Decision *d, const char *outcome, const char *reason_fmt, ...)
    __attribute__((format(printf, 3, 4)));
void decision_beneficiary(Jiuye__Decision *d, const char *beneficiary, const char *kind);

/* The decision as the API shows it (staff-facing: identities in full). */
json_t *decision_to_json(const Jiuye__Decision *d);

/* The body stored in rules.decisions: decision_to_json()'s document as JSON
 * text, written without jansson (json_text.h). Owned by this module, valid
 * until the next call; NULL when a string is not UTF-8. */
const char *decision_body(const Jiuye__Decision *d);

/* Insert into rules.decisions inside the open transaction. Returns 0 or -1. */
int decision_store(PGconn *pg, const Jiuye__Decision *d) __attribute__((warn_unused_result));
/* The same row kept in memory until decisions_flush_kept() writes every kept
 * one with one statement in the open transaction (rules' consumer, before
 * COMMIT: its link flush hook); decisions_discard_kept() drops them (a
 * rollback). Nothing reads rules.decisions inside the consumer's transaction.
 * Each returns 0 or -1. */
int decision_keep(const Jiuye__Decision *d) __attribute__((warn_unused_result));
int decisions_flush_kept(PGconn *pg) __attribute__((warn_unused_result));
void decisions_discard_kept(void);

#endif
