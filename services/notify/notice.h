/* notice.h: what staff read about a decision or an award.
 *
 * Every decision of an event becomes one notification, except that a decision
 * which produced awards is told through its awards (one per award), so that
 * staff read the amount, not the same fact twice. Texts are Chinese, say what
 * happened, what is due or what to do, the amount, the clause and the event,
 * and mask identities (they may leave the suite by webhook or email). */
#ifndef JIUYE_NOTIFY_NOTICE_H
#define JIUYE_NOTIFY_NOTICE_H

#include <jansson.h>
#include "awards.pb-c.h"
#include "txn.h"

/* The notifications of a transaction, stored with one statement: a
 * notices_t, a participant of the consumer's transaction (txn.h) made once by
 * the service, keeps their rows until its flush (before COMMIT; in careful
 * mode after each message): a notification already stored for the same
 * decision or award is skipped, and each one stored gets its deliveries
 * (SUBSCRIPTIONS_FAN_OUT) in the same statement. */
typedef struct notices notices_t;
extern const txn_part_t notices_part;
notices_t *notices_new(void); /* caller owns; aborts when out of memory */
void notices_destroy(notices_t **n); /* NULL *n is fine; sets *n to NULL */
/* How many notifications the transactions stored since the last call, and
 * forget them (after a commit; a rollback forgets its own). */
long notices_take_stored(notices_t *n);

/* The notifications of one settled event, in t: kept when t has a notices_t
 * joined, else stored now. Returns how many, or -1 on a database error. */
long notice_keep_settled(txn_t *t, const Jiuye__Settled *settled) __attribute__((warn_unused_result));

#endif
