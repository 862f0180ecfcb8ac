/* settled.h: which decisions are settled already (subsidy.decisions).
 *
 * Every decision the service settles is recorded in subsidy.decisions, in the
 * transaction of its awards, with its facts and the few event fields the plan
 * targets need (kpi.h counts from them). Its primary key on decision_id is
 * what makes a decision delivered again, under any message id, "already
 * settled": recorded once, its effect never repeated.
 *
 * In the consumer's fast mode the decisions of every message are recorded
 * ahead of their handlers with one statement (settled_ahead, a round trip per
 * message being subsidy's largest wait); settled_record() then only tells
 * which are new. What was recorded ahead lives in a settled_t, a participant
 * of the transaction (txn.h) that forgets it when the transaction ends or is
 * rolled back. */
#ifndef JIUYE_SUBSIDY_SETTLED_H
#define JIUYE_SUBSIDY_SETTLED_H

#include <stddef.h>

#include "decisions.pb-c.h"
#include "txn.h"

typedef struct settled settled_t;
extern const txn_part_t settled_part;

/* The participant to join to the consumer's transaction (txn_join with
 * settled_part), made once at start: caller owns it, aborts when out of
 * memory. settled_destroy() frees it, accepts a NULL *s, and sets *s to NULL. */
settled_t *settled_new(void);
void settled_destroy(settled_t **s);

/* Record the decisions of decided (its event may be NULL) as settled in t,
 * with one statement for those not recorded ahead. is_new[i] (room for
 * decided->n_decisions) is set to 1 when decision i is new, 0 when it was
 * settled before (the first copy of a decision, in message order, is the new
 * one). Returns 0, or -1 on a database error. */
int settled_record(txn_t *t, const Jiuye__Decided *decided, int *is_new) __attribute__((warn_unused_result));

/* The same ahead, for every message of t (fast mode, txn_careful(t) = 0;
 * t must have a settled_t joined), with one statement: the decisions that
 * correct none are recorded now; a correction is still recorded by its
 * message's settled_record(), since the allocation of the claims of earlier
 * messages must not see it (as when the messages come one by one). Returns 0
 * or -1 (nothing kept ahead: settled_record() asks as before). */
int settled_ahead(txn_t *t, const Jiuye__Decided *const *msgs, size_t n) __attribute__((warn_unused_result));

#endif
