/* award.h: building, storing and showing awards (docs/policy.md §3-§4).
 *
 * An award is a Jiuye__Award whose strings and lists are malloc'd (freed by
 * award_free). Amounts are integer fen; a breakdown line per factor lets a
 * clerk recompute the amount by hand. The ledger (subsidy.awards) is
 * append-only: corrections are new awards that point at the one they reverse. */
#ifndef JIUYE_SUBSIDY_AWARD_H
#define JIUYE_SUBSIDY_AWARD_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "awards.pb-c.h"
#include "decisions.pb-c.h"
#include "txn.h"

/* A new award for decision d under program; status and amount set later. Caller owns it. */
Jiuye__Award *award_new(const Jiuye__Decision *d, const char *program, int year);
void award_free(Jiuye__Award *a);

/* Append a breakdown line to a: label, how the amount was computed (text),
 * the amount in fen, and the plan parameter and the date it took effect ("" when
 * the line uses none). The strings are copied. */
void award_line(Jiuye__Award *a, const char *label, const char *factor, int64_t amount_fen, const char *parameter,
                const char *effective_from);
/* Set a's status, amount (fen) and reason (printf-formatted, cut at 511
 * bytes); the strings are copied, replacing those set before. */
void award_set(Jiuye__Award *a, const char *status, int64_t amount_fen, const char *reason_fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Make a the reversal of award reverses: it points at it, and its id is
 * "<decision_id>/<program>/reversal" (the decision may also make a new award
 * under the program: a replayed decision). */
void award_reverses(Jiuye__Award *a, const char *reverses);

/* a as the API shows it (its id, decision, amount_fen, status, reason,
 * breakdown, ...). Caller owns the new reference; NULL when out of memory. */
json_t *award_to_json(const Jiuye__Award *a);

/* Add a to subsidy.awards inside t. limit_key names the period a limit
 * counts the award in ("2024", "AY2024", "once"; NULL for none); slot is the
 * numbered place a granted award takes in it (0 for none), or, for a
 * replacement (a->replaces_award_id set), the place it keeps. A granted
 * positive award is first judged against its budgets (budget.h) and may leave
 * as waiting_budget (status and reason changed in a, slot kept). The row is
 * kept for one statement with the transaction's other awards (award_rows.h).
 * Returns 0 or -1. */
int award_store(txn_t *t, Jiuye__Award *a, const char *limit_key, int slot) __attribute__((warn_unused_result));

/* The awards made while settling one message. */
typedef struct award_list {
    Jiuye__Award **items;
    size_t n;
    /* Decisions settled before whose awards a late claim moved (claims.h):
     * sent with their new awards so that staff are told (owned). */
    Jiuye__Decision **moved;
    size_t n_moved;
} award_list_t;

/* Append a to l, which owns it from then on (aborts when out of memory). A
 * zeroed list is empty. */
void award_list_add(award_list_t *l, Jiuye__Award *a);

/* award_store(), then a appended to out, which owns it from then on. On
 * failure a is freed and err says "storing <what> of <decision> failed"
 * (what: "the award", "a reversal"). Returns 0 or -1. */
int award_store_into(txn_t *t, Jiuye__Award *a, const char *limit_key, int slot, award_list_t *out, const char *what,
                     char *err, size_t errlen) __attribute__((warn_unused_result));
/* Free every award and moved decision of l, leaving it empty and reusable. */
void award_list_clear(award_list_t *l);

/* The value of parameter name recorded in decision d, or NULL. prefix match when name ends in '.'. */
const Jiuye__ParameterValue *decision_parameter(const Jiuye__Decision *d, const char *name);

/* Integer value of parameter / fact name of d into *out. Returns 0, or -1 (absent or not an integer). */
int decision_param_int(const Jiuye__Decision *d, const char *name, int64_t *out);
int decision_fact_int(const Jiuye__Decision *d, const char *name, int64_t *out);
/* The text of fact name, or NULL. */
const char *decision_fact_text(const Jiuye__Decision *d, const char *name);

#endif
