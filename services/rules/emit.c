/* emit.c: decisions to storage and outbox (see emit.h). */
#include "emit.h"

#include "link.h"

/* Events the subsidy service counts for the plan targets even when no rule
 * decided on them (docs/policy.md §4: net increase in employment, graduates employed). */
static int counted_without_decisions(const Jiuye__Event *ev) {
    return ev->payload_case == JIUYE__EVENT__PAYLOAD_EMPLOYMENT_STARTED ||
           ev->payload_case == JIUYE__EVENT__PAYLOAD_EMPLOYMENT_ENDED;
}

int decisions_emit(txn_t *t, const Jiuye__Event *ev, const decision_list_t *l, const char *message_id) {
    for (size_t i = 0; i < l->n; i++)
        if (decision_write(t, l->items[i]) != 0) return -1;
    if (l->n == 0 && !counted_without_decisions(ev)) return 0;
    Jiuye__Decided decided = JIUYE__DECIDED__INIT;
    decided.event = (Jiuye__Event *)ev;
    decided.n_decisions = l->n;
    decided.decisions = l->items;
    Jiuye__Envelope out = JIUYE__ENVELOPE__INIT;
    out.message_id = (char *)message_id;
    out.producer = "rules";
    out.body_case = JIUYE__ENVELOPE__BODY_DECIDED;
    out.decided = &decided;
    return link_outbox_put(t, "rules", &out);
}
