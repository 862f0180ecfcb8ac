/* state.h: the facts the rules keep from events (rules.persons, employment,
 * graduates, services), updated before any rule decides on an event. */
#ifndef JIUYE_RULES_STATE_H
#define JIUYE_RULES_STATE_H

#include <libpq-fe.h>

#include "events.pb-c.h"
#include "txn.h"

/* Record what ev tells, inside the open transaction. Returns 0, 1 for a
 * registration whose person has events waiting (persons_register), or -1. */
int state_update(txn_t *t, const Jiuye__Event *ev) __attribute__((warn_unused_result));

#endif
