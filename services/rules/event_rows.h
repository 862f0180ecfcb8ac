/* event_rows.h: the events a transaction decided, kept for rules.events.
 *
 * Every event the rules decide is kept in rules.events so that a replay
 * (replay.h) can decide it again after a policy correction. The consumer's
 * transaction keeps their rows (pg_rows.h's kept rows, a participant: txn.h)
 * and inserts them with one statement at its flush; a duplicate is ignored.
 * Nothing reads rules.events inside the consumer's transaction (only a
 * replay, between transactions). */
#ifndef JIUYE_RULES_EVENT_ROWS_H
#define JIUYE_RULES_EVENT_ROWS_H

#include "events.pb-c.h"
#include "pg_rows.h"
#include "txn.h"

extern const txn_part_t event_rows_part;
/* The rows to join to a transaction as event_rows_part (caller owns them:
 * pg_rows_kept_destroy). */
pg_rows_kept_t *event_rows_new(void);

/* Keep ev for rules.events in t: kept when t has event rows joined, else
 * inserted now. Returns 0 or -1. */
int event_rows_keep(txn_t *t, const Jiuye__Event *ev) __attribute__((warn_unused_result));

#endif
