/* ledger.h: limits that depend on money already granted (POLICY.md §3).
 * Read inside the consumer's transaction (one consumer: no race); the unique
 * index on (program, beneficiary, limit_key, slot) makes the database refuse a
 * slot taken twice whatever the code does. */
#ifndef JIUYE_SUBSIDY_LEDGER_H
#define JIUYE_SUBSIDY_LEDGER_H

#include <libpq-fe.h>
#include <stdint.h>

/* Positive granted awards of program for beneficiary under limit_key (reversed
 * ones included: a reversal does not renumber the others), or -1 on error.
 * Here and below an award waiting for its budget counts as granted: the
 * person is owed it, only the money is late (budget.h). */
long ledger_granted_count(PGconn *pg, const char *program, const char *beneficiary, const char *limit_key);

/* Net amount granted (reversals subtracted) under limit_key into *sum. Returns 0 or -1. */
int ledger_granted_sum(PGconn *pg, const char *program, const char *beneficiary, const char *limit_key,
                       int64_t *sum);

#endif
