/* r07_startup_award.c: R07 STARTUP 一次性创业补贴 (plan 一(一)3): a fixed amount,
 * once per person. */
#include <stdio.h>

#include "date.h"
#include "programs.h"

int r07_startup_award(PGconn *pg, const Jiuye__Decision *d, const ledger_place_t *replaced, award_list_t *out, char *err,
                      size_t errlen) {
    const Jiuye__ParameterValue *p = decision_parameter(d, "r07_amount_fen");
    int64_t amount;
    jdate_t on;
    if (!p || decision_param_int(d, "r07_amount_fen", &amount) != 0 || date_parse(d->occurred_on, &on) != 0) {
        snprintf(err, errlen, "decision %s lacks r07_amount_fen", d->decision_id);
        return -1;
    }
    Jiuye__Award *a = award_new(d, "STARTUP", date_year(on));
    award_line(a, "一次性创业补贴（每人一次）", p->value, amount, p->name, p->effective_from);
    a->amount_fen = amount;
    return ledger_once(pg, a, "once", replaced, out, err, errlen);
}
