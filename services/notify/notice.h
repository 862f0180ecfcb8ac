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
#include <libpq-fe.h>

#include "awards.pb-c.h"

/* Keep the notifications of one settled event in memory for the consumer's
 * transaction (notify's handler); returns how many. notice_flush() stores all
 * that are kept with one statement inside the open transaction (before its
 * COMMIT: notify's link flush hook): a notification already stored for the
 * same decision or award is skipped, and each one stored gets its deliveries
 * (SUBSCRIPTIONS_FAN_OUT) in the same statement. Returns the number stored, or
 * -1 on a database error. notice_discard() drops what is kept (a rollback).
 * One loop thread uses these (the rows are the module's). */
long notice_keep_settled(const Jiuye__Settled *settled);
long notice_flush(PGconn *pg) __attribute__((warn_unused_result));
void notice_discard(void);

#endif
