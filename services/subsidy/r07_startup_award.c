/* r07_startup_award.c: R07 STARTUP 一次性创业补贴 (plan 一(一)3): a fixed amount,
 * once per person: to the earliest-dated eligible business (POLICY.md §3
 * "Order of arrival"). */
#include <stdio.h>

#include "date.h"
#include "programs.h"

int r07_startup_claim(const Jiuye__Decision *d, program_claim_t *c, Jiuye__Award **award, char *err, size_t errlen) {
    const Jiuye__ParameterValue *p = decision_parameter(d, "r07_amount_fen");
    int64_t amount;
    jdate_t on;
    if (!p || decision_param_int(d, "r07_amount_fen", &amount) != 0 || date_parse(d->occurred_on, &on) != 0) {
        snprintf(err, errlen, "decision %s lacks r07_amount_fen", d->decision_id);
        return -1;
    }
    snprintf(c->limit_key, sizeof c->limit_key, "once");
    c->year = date_year(on);
    program_claim_order(d, c);
    c->place.want_fen = amount;
    if (!award) return 0;
    Jiuye__Award *a = award_new(d, "STARTUP", c->year);
    award_line(a, "一次性创业补贴（每人一次）", p->value, amount, p->name, p->effective_from);
    program_once_place(a, c);
    *award = a;
    return 0;
}
