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

/* Store the notifications of one settled event inside the open transaction;
 * a notification already stored for the same decision or award is skipped.
 * Each one stored gets its deliveries (subscriptions_fan_out) in the same
 * transaction. Returns the number stored, or -1 on a database error. */
long notice_store_settled(PGconn *pg, const Jiuye__Settled *settled) __attribute__((warn_unused_result));

#endif
