/* event_rows.h: the events a transaction decided, kept for rules.events.
 *
 * Every event the rules decide is kept in rules.events so that a replay
 * (replay.h) can decide it again after a policy correction. An event_rows_t,
 * a participant of the consumer's transaction (txn.h) made once by the
 * service, keeps their rows and inserts them with one statement at its flush
 * (before COMMIT; in careful mode after each message); a duplicate is
 * ignored. Nothing reads rules.events inside the consumer's transaction
 * (only a replay, between transactions). */
#ifndef JIUYE_RULES_EVENT_ROWS_H
#define JIUYE_RULES_EVENT_ROWS_H

#include "events.pb-c.h"
#include "txn.h"

typedef struct event_rows event_rows_t;
extern const txn_part_t event_rows_part;
event_rows_t *event_rows_new(void); /* caller owns; aborts when out of memory */
void event_rows_destroy(event_rows_t **rows);

/* Keep ev for rules.events in t: kept when t has an event_rows_t joined, else
 * inserted now. Returns 0 or -1. */
int event_rows_keep(txn_t *t, const Jiuye__Event *ev) __attribute__((warn_unused_result));

#endif
