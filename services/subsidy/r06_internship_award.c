/* r06_internship_award.c: R06 INTERNSHIP 就业见习补贴 (plan 二(二)7), to the base:
 *   60 % × min_wage (of the internship's last month) × months (at most 12),
 * multiplied in integers and rounded half up once. */
#include <stdio.h>

#include "date.h"
#include "money.h"
#include "programs.h"
#include "pg.h"

int r06_internship_award(txn_t *t, const Jiuye__Decision *d, const ledger_place_t *replaced, award_list_t *out, char *err,
                         size_t errlen) {
    const Jiuye__ParameterValue *wage_p = decision_parameter(d, "min_wage_fen");
    const Jiuye__ParameterValue *ratio_p = decision_parameter(d, "r06_ratio_pct");
    int64_t wage, ratio, months;
    jdate_t on;
    if (!wage_p || !ratio_p || decision_param_int(d, "min_wage_fen", &wage) != 0 ||
        decision_param_int(d, "r06_ratio_pct", &ratio) != 0 || decision_fact_int(d, "months_paid", &months) != 0 ||
        date_parse(d->occurred_on, &on) != 0) {
        snprintf(err, errlen, "decision %s lacks min_wage_fen, r06_ratio_pct or months_paid", d->decision_id);
        return -1;
    }
    Jiuye__Award *a = award_new(d, "INTERNSHIP", date_year(on));
    int64_t amount = money_ratio(wage * months, ratio, 100);
    char factor[128], yuan[32];
    snprintf(factor, sizeof factor, "%lld%% × %lld × %lld 个月", (long long)ratio, (long long)wage, (long long)months);
    award_line(a, "见习补贴（最低工资标准的比例）", factor, amount, wage_p->name, wage_p->effective_from);
    award_set(a, "granted", amount, "就业见习补贴 %s 元（%lld 个月）", money_format_yuan(amount, yuan, sizeof yuan),
              (long long)months);
    program_replaces(a, replaced);
    return award_store_into(t, a, NULL, 0, out, "the award", err, errlen);
}
