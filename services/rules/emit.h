/* emit.h: store the decisions of one message and hand them to the subsidy
 * service through rules.outbox, in the caller's open transaction. */
#ifndef JIUYE_RULES_EMIT_H
#define JIUYE_RULES_EMIT_H

#include <libpq-fe.h>

#include "rules.h"

/* Store every decision and, when there are any (or ev is a job start or end,
 * which the subsidy service counts for the KPI), one Decided{ev, decisions}
 * outbox message with message_id. keep: the consumer's handler, whose
 * decisions are kept for its flush hook (decision_keep()); else written now.
 * Returns 0 or -1. */
int decisions_emit(PGconn *pg, const Jiuye__Event *ev, const decision_list_t *l, const char *message_id, int keep)
    __attribute__((warn_unused_result));

#endif
