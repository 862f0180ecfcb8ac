/* apply.c: an event's whole effect on the rules (see rules.h, rules_apply). */
#include "rules.h"

#include "event_rows.h"
#include "pending.h"
#include "state.h"

int rules_apply(txn_t *t, const policy_set_t *plans, const Jiuye__Event *ev, decision_list_t *out) {
    jdate_t on;
    if (date_parse(ev->occurred_on, &on) != 0) return -1; /* intake validated it */
    if (event_rows_keep(t, ev) != 0) return -1;
    int waiting = state_update(t, ev);
    if (waiting < 0 || rules_decide(t, plans, ev, out) != 0) return -1;
    /* A registration releases the events that waited for it (no rule above
     * makes any wait: the person is registered now). */
    if (ev->payload_case == JIUYE__EVENT__PAYLOAD_PERSON_REGISTERED && waiting &&
        pending_release(t, plans, ev->person_registered->cert_no, out) != 0)
        return -1;
    return 0;
}
