/* emit.h: store the decisions of one message and hand them to the subsidy
 * service through rules.outbox, in the caller's open transaction. */
#ifndef JIUYE_RULES_EMIT_H
#define JIUYE_RULES_EMIT_H

#include "rules.h"
#include "txn.h"

/* Store every decision (decision_write: kept by t's participant, or written
 * now) and, when there are any (or ev is a job start or end, which the
 * subsidy service counts for the KPI), one Decided{ev, decisions} outbox
 * message with message_id, in t. Returns 0 or -1. */
int decisions_emit(txn_t *t, const Jiuye__Event *ev, const decision_list_t *l, const char *message_id)
    __attribute__((warn_unused_result));

#endif
