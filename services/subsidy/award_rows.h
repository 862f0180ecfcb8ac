/* award_rows.h: the awards of a transaction, kept and inserted with one statement.
 *
 * Inserting an award costs the backend its eight indexes and the ledger's
 * guard trigger; a statement per award was subsidy's costliest. So the
 * consumer's transaction keeps its awards' rows (pg_rows.h's kept rows, a
 * participant: txn.h) and inserts them all with one statement: before COMMIT
 * (the flush; in careful mode after each message, so that a row that fails
 * fails its own message) and before any statement that reads subsidy.awards,
 * which says so by calling award_rows_before_read() first. Rows keep their
 * order, so a reversal still precedes the award that takes its place. A
 * transaction that has no award rows joined inserts each award at once. */
#ifndef JIUYE_SUBSIDY_AWARD_ROWS_H
#define JIUYE_SUBSIDY_AWARD_ROWS_H

#include "pg_rows.h"
#include "txn.h"

extern const txn_part_t award_rows_part;
/* The rows to join to a transaction as award_rows_part (caller owns them:
 * pg_rows_kept_destroy). */
pg_rows_kept_t *award_rows_new(void);

/* Columns of a row, in order. */
enum {
    AWARD_ROW_ID, AWARD_ROW_DECISION, AWARD_ROW_PROGRAM, AWARD_ROW_RULE, AWARD_ROW_BENEFICIARY, AWARD_ROW_DISTRICT,
    AWARD_ROW_YEAR, AWARD_ROW_AMOUNT, AWARD_ROW_STATUS, AWARD_ROW_SLOT, AWARD_ROW_REVERSES, AWARD_ROW_BODY,
    AWARD_ROW_LIMIT_KEY, AWARD_ROW_REPLACES, AWARD_ROW_COLS
};

/* Add one row (values[AWARD_ROW_COLS], NULL: SQL NULL) to subsidy.awards in
 * t: kept, or inserted now. Returns 0 or -1. */
int award_rows_add(txn_t *t, const char *const *values) __attribute__((warn_unused_result));

/* Before a statement of t that reads subsidy.awards: insert what is kept. 0 or -1. */
int award_rows_before_read(txn_t *t) __attribute__((warn_unused_result));

#endif
