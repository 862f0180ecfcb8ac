/* pending.h: events about a person not registered yet (docs/policy.md §3 "Order of
 * arrival"). The rule's decision is `pending`; the event waits in
 * rules.pending until the registration arrives (then it is decided again, the
 * new decision correcting the pending one) or for 30 days of the suite's clock
 * (then it is ineligible). */
#ifndef JIUYE_RULES_PENDING_H
#define JIUYE_RULES_PENDING_H

#include <libpq-fe.h>

#include "policy.h"
#include "rules.h"

#define PENDING_DAYS 30

/* Keep ev waiting for its registration, under the pending decision d, in t,
 * with the timer that expires it PENDING_DAYS after today. Returns 0 or -1. */
int pending_hold(txn_t *t, const Jiuye__Event *ev, const Jiuye__Decision *d, jdate_t today)
    __attribute__((warn_unused_result));

/* cert_no is now registered: decide its waiting events again (in date order),
 * appending the new decisions to out. Returns 0 or -1. */
int pending_release(txn_t *t, const policy_set_t *plans, const char *cert_no, decision_list_t *out)
    __attribute__((warn_unused_result));

#endif
