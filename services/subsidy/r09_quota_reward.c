/* r09_quota_reward.c: R09 EMPLOYER_QUOTA 超比例奖励 (plan 三(二)), to the employer:
 *   quota_persons × 2 × min_wage + (counted − quota_persons) × 4 × min_wage
 * with the minimum wage of 1 January of the report year (docs/policy.md §6 example 3);
 * once per employer per report year: to the earliest-dated report (docs/policy.md
 * §3 "Order of arrival"). */
#include <stdio.h>

#include "programs.h"

int r09_quota_claim(const Jiuye__Decision *d, program_claim_t *c, Jiuye__Award **award, char *err, size_t errlen) {
    const Jiuye__ParameterValue *wage_p = decision_parameter(d, "min_wage_fen");
    int64_t wage, base_months, extra_months, counted, quota, year;
    if (!wage_p || decision_param_int(d, "min_wage_fen", &wage) != 0 ||
        decision_param_int(d, "r09_reward_quota_months", &base_months) != 0 ||
        decision_param_int(d, "r09_reward_extra_months", &extra_months) != 0 ||
        decision_fact_int(d, "counted", &counted) != 0 || decision_fact_int(d, "quota_persons", &quota) != 0 ||
        decision_fact_int(d, "year", &year) != 0) {
        snprintf(err, errlen, "decision %s lacks counted, quota_persons, year or a reward parameter", d->decision_id);
        return -1;
    }
    int64_t base = quota * base_months * wage, extra = (counted - quota) * extra_months * wage;
    snprintf(c->limit_key, sizeof c->limit_key, "%lld", (long long)year);
    c->year = (int)year;
    program_claim_order(d, c);
    c->place.want_fen = base + extra;
    if (!award) return 0;
    Jiuye__Award *a = award_new(d, "EMPLOYER_QUOTA", (int)year);
    char factor[128];
    snprintf(factor, sizeof factor, "%lld 人 × %lld 个月 × %lld", (long long)quota, (long long)base_months, (long long)wage);
    award_line(a, "按比例应安排部分", factor, base, wage_p->name, wage_p->effective_from);
    snprintf(factor, sizeof factor, "%lld 人 × %lld 个月 × %lld", (long long)(counted - quota), (long long)extra_months,
             (long long)wage);
    award_line(a, "超比例部分", factor, extra, wage_p->name, wage_p->effective_from);
    program_once_place(a, c);
    *award = a;
    return 0;
}
