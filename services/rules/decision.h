/* decision.h: building, storing and showing decisions (docs/policy.md §3).
 *
 * A decision is a Jiuye__Decision whose strings and lists are all malloc'd, so
 * that jiuye__decision__free_unpacked() releases it. The builder functions
 * abort on out-of-memory (a service that cannot allocate a few bytes restarts;
 * the message is redelivered). */
#ifndef JIUYE_RULES_DECISION_H
#define JIUYE_RULES_DECISION_H

#include <jansson.h>
#include <stdint.h>

#include "decisions.pb-c.h"
#include "pg_rows.h"
#include "policy.h"
#include "txn.h"

/* A new decision of rule (id, name, clause, audience) about ev, with id
 * "<source>/<event_id>/<key>". Caller owns it. */
Jiuye__Decision *decision_new(const Jiuye__Event *ev, const char *key, const char *rule, const char *rule_name,
                              const char *clause, const char *const *audience, const char *subject);
/* Replace d's decision_id with a copy of decision_id. */
void decision_set_id(Jiuye__Decision *d, const char *decision_id);
/* Mark d as correcting the earlier decision corrected_id (the subsidy service reverses its awards). */
void decision_correct(Jiuye__Decision *d, const char *corrected_id);
/* Free d and everything it holds; NULL is a no-op. */
void decision_free(Jiuye__Decision *d);

/* Append the fact name = the printf-formatted value (cut at 255 bytes, on a
 * character boundary) to d's facts. The setters below copy their strings:
 * the caller keeps its own; a value set before is replaced. */
void decision_fact(Jiuye__Decision *d, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Record a parameter value used, with the date it took effect and its source. */
void decision_param(Jiuye__Decision *d, const char *name, const policy_value_t *v);
/* Record the plan d was decided under (its id and SHA-256). */
void decision_plan(Jiuye__Decision *d, const policy_plan_t *plan);
/* Set d's outcome ("eligible", "ineligible", "pending", ...) and its reason,
 * printf-formatted (cut at 511 bytes, on a character boundary). */
void decision_set(Jiuye__Decision *d, const char *outcome, const char *reason_fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Set who receives what d grants (a cert_no or employer_code) and its kind. */
void decision_beneficiary(Jiuye__Decision *d, const char *beneficiary, const char *kind);

/* The decision as the API shows it (staff-facing: identities in full). Caller
 * owns the new reference; NULL when out of memory. */
json_t *decision_to_json(const Jiuye__Decision *d);

/* The body stored in rules.decisions: decision_to_json()'s document as JSON
 * text, written without jansson (json_text.h). Owned by this module, valid
 * until the next call; NULL when a string is not UTF-8. */
const char *decision_body(const Jiuye__Decision *d);

/* The decisions of a transaction, inserted into rules.decisions with one
 * statement: the consumer's transaction keeps their rows (pg_rows.h's kept
 * rows, a participant: txn.h) until its flush (before COMMIT; in careful mode
 * after each message). Nothing reads rules.decisions inside the consumer's
 * transaction. decision_rows_new(): the rows to join as decision_rows_part
 * (caller owns them: pg_rows_kept_destroy). */
extern const txn_part_t decision_rows_part;
pg_rows_kept_t *decision_rows_new(void);

/* Add d to rules.decisions in t: kept when t has decision rows joined, else
 * inserted now. Returns 0 or -1 (a string not UTF-8, a database error). */
int decision_write(txn_t *t, const Jiuye__Decision *d) __attribute__((warn_unused_result));

#endif
