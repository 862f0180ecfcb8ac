/* claims.h: limited places in date order, kept with appended rows only
 * (docs/policy.md §3 "Order of arrival").
 *
 * Each eligible decision of a limited program is recorded as a claim
 * (subsidy.claims, migration 014: its limit, its date order, what it asks, and
 * the decision itself). After each claim, and after each correction of one, the
 * whole limit is allocated again in date order (allocation.h; the first claim of
 * a limit alone, without reading the limit back: claims_metrics) and compared with
 * what the ledger holds, claim by claim (the claim's head: its latest award, the
 * one nothing replaces):
 *
 *   ledger holds             date order gives         appended rows
 *   nothing (a new claim)    granted / refused        the award (replacing the head of
 *                                                     the decision it corrects, if any)
 *   granted (or waiting)     the same amount          nothing
 *   granted (or waiting)     another amount/refused   a reversal of the head, then a new
 *                                                     award that replaces it
 *   refused                  granted                  a new award that replaces it
 *   refused                  refused                  nothing
 *
 * A claim is withdrawn when a settled decision corrects its decision (its
 * awards were reversed by reversal_full): it holds no place any more, and the
 * claims behind it move up. Reversals come before new awards, so a place
 * token is free when it is taken again (the ledger's guard: at most one
 * holder not reversed per token, migration 014). Every row is written in the
 * consumer's transaction, with the outbox message that tells staff: a
 * redelivered decision is "already settled" before it gets here, and a kill
 * -9 loses or doubles nothing. The decisions of moved claims travel in
 * out->moved so that notify can word their new awards.
 *
 * Budgets: a place is decided by date order; money against a budget (budget.h)
 * is judged when an award is written, in the order awards are written. A
 * moved claim's new award may therefore wait for its budget where the
 * date-ordered run granted it (or the reverse); a claim whose place and
 * amount do not change keeps its award as it is, waiting or not. */
#ifndef JIUYE_SUBSIDY_CLAIMS_H
#define JIUYE_SUBSIDY_CLAIMS_H

#include <event2/buffer.h>
#include <libpq-fe.h>

#include "allocation.h"
#include "programs.h"
#include "txn.h"

/* A limited program: its name, the kind of its limit and its formula. */
typedef struct program_limit {
    const char *program;
    alloc_kind_t kind;
    program_claim_fn claim;
} program_limit_t;

/* Learn once, at start, whether any award settled before migration 014 (a
 * granted or waiting award of a limited program with no claim of its own)
 * may still hold a place. When none does, reallocation skips the statement
 * that counts them: since 014 the service writes no such award (an eligible
 * decision of a limited program records its claim before its award; moved
 * awards carry their claim's decision; reversals hold nothing), so the
 * answer cannot change while it runs. That statement, with its four
 * subqueries, was often planned again (PostgreSQL kept choosing custom plans
 * for it, whose planning cost far more than running it).
 * Awards from before 014 can only be there before the first start of this
 * version. Returns 0, or -1 on a database error. */
int claims_open(PGconn *pg);

/* Settle the fresh decision d for the limited program lim, after its
 * corrected decision's awards were reversed: record its claim when it is
 * eligible, and allocate again in date order its limit and the limit of the
 * decision it corrects. New awards and reversals are stored and appended to
 * out. Returns 0, or -1 (err says why; the transaction must roll back). */
int claims_settle(txn_t *t, const Jiuye__Decision *d, const program_limit_t *lim, award_list_t *out, char *err,
                  size_t errlen) __attribute__((warn_unused_result));

/* Read ahead, for the consumer's fast mode: with one statement, which limits
 * already hold a claim for the transaction's decisions' (program,
 * beneficiary), and which of the decisions a recorded decision corrects, so
 * that claims_settle() knows whether a claim is the first of its limit
 * without asking its insert (a round trip each). The sets live in a
 * claims_ahead_t, a participant of the transaction (txn.h) that forgets them
 * when it ends or any of it is rolled back; claims_settle() keeps them up to
 * date meanwhile. They may only say too much (a decision of the batch that
 * corrects d counts from the start), and too much means reading the limit:
 * the same answer, more slowly. claims_ahead_add() gives each decision of a
 * limited program with its program; claims_ahead_read() then reads. Without
 * a claims_ahead_t joined to t both do nothing. Returns 0, or -1 on a
 * database error (nothing kept: claims_settle() asks as before). */
typedef struct claims_ahead claims_ahead_t;
extern const txn_part_t claims_ahead_part;
claims_ahead_t *claims_ahead_new(void); /* caller owns; aborts when out of memory */
void claims_ahead_destroy(claims_ahead_t **a); /* NULL *a is fine; sets *a to NULL */
void claims_ahead_add(txn_t *t, const Jiuye__Decision *d, const char *program);
int claims_ahead_read(txn_t *t) __attribute__((warn_unused_result));

/* jiuye_claims_allocated_total{read}: the first claim of a limit (no correction, no award
 * from before claims) is allocated alone, its insert having said the limit held no other
 * claim (read="none"); any other is allocated after reading the limit's claims back
 * (read="claims"). The first kind skips a statement of two lateral joins and five
 * subqueries whose executor start alone is costly. Appends the counter's
 * Prometheus lines to out. */
void claims_metrics(struct evbuffer *out);

#endif
