/* ledger.h: reading the award ledger for a correction (docs/policy.md §3).
 * Read inside the consumer's transaction (one consumer: no race). The limits
 * that depend on money already granted are allocated in date order by
 * claims.h; the ledger's guard (migration 014) refuses a place token held
 * twice whatever the code does. */
#ifndef JIUYE_SUBSIDY_LEDGER_H
#define JIUYE_SUBSIDY_LEDGER_H

#include <stdint.h>

#include "txn.h"

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
int ledger_replaced(txn_t *t, const char *corrected_id, const char *program, ledger_place_t *place);

#endif
