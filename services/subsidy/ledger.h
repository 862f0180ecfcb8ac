/* ledger.h: limits that depend on money already granted (POLICY.md §3).
 * Read inside the consumer's transaction (one consumer: no race); the unique
 * index on (program, beneficiary, limit_key, slot) makes the database refuse a
 * slot taken twice whatever the code does. */
#ifndef JIUYE_SUBSIDY_LEDGER_H
#define JIUYE_SUBSIDY_LEDGER_H

#include <libpq-fe.h>
#include <stdint.h>

/* The place in a limit that a reversed award held, which the award replacing
 * it keeps (a replayed decision: reversal of the old amount plus a new award,
 * never a second place). */
typedef struct ledger_place {
    char award_id[512]; /* the reversed award that is replaced */
    char limit_key[32]; /* "" for none */
    int slot;           /* 0 for none */
    char status[16];    /* granted | waiting_budget */
} ledger_place_t;

/* The award of program made for decision corrected_id that has been reversed
 * and not yet replaced, into *place. Returns 1 found, 0 none, -1 on error. */
int ledger_replaced(PGconn *pg, const char *corrected_id, const char *program, ledger_place_t *place);

/* Positive granted awards of program for beneficiary under limit_key (reversed
 * ones included: a reversal does not renumber the others; replacements not:
 * they keep the place of the award they replace), or -1 on error.
 * Here and below an award waiting for its budget counts as granted: the
 * person is owed it, only the money is late (budget.h). */
long ledger_granted_count(PGconn *pg, const char *program, const char *beneficiary, const char *limit_key);

/* Net amount granted (reversals subtracted) under limit_key into *sum. Returns 0 or -1. */
int ledger_granted_sum(PGconn *pg, const char *program, const char *beneficiary, const char *limit_key,
                       int64_t *sum);

#endif
