/* r03_tuition_award.c: the amount of R03 BLIND_TUITION 盲人学费补贴 (plan 二(二)8).
 *   amount = min(tuition × 50 %, 3 000 yuan − granted in the academic year to
 *   the enrolments dated before it), so the cap is shared in date order
 *   (docs/policy.md §3 "Order of arrival"). */
#include <stdio.h>

#include "money.h"
#include "programs.h"

int r03_tuition_claim(const Jiuye__Decision *d, program_claim_t *c, Jiuye__Award **award, char *err, size_t errlen) {
    int64_t tuition, year, ratio, cap;
    const Jiuye__ParameterValue *ratio_p = decision_parameter(d, "r03_tuition_ratio_pct");
    const Jiuye__ParameterValue *cap_p = decision_parameter(d, "r03_cap_fen_per_year");
    if (decision_fact_int(d, "tuition_fen", &tuition) != 0 || decision_fact_int(d, "academic_year", &year) != 0 ||
        decision_param_int(d, "r03_tuition_ratio_pct", &ratio) != 0 ||
        decision_param_int(d, "r03_cap_fen_per_year", &cap) != 0) {
        snprintf(err, errlen, "decision %s lacks tuition, academic year, ratio or cap", d->decision_id);
        return -1;
    }
    int64_t half = money_ratio(tuition, ratio, 100);
    snprintf(c->limit_key, sizeof c->limit_key, "AY%lld", (long long)year);
    c->year = (int)year;
    program_claim_order(d, c);
    c->place.want_fen = half;
    c->place.cap = cap;
    if (!award) return 0;

    char factor[160], yuan[32];
    Jiuye__Award *a = award_new(d, "BLIND_TUITION", (int)year);
    snprintf(factor, sizeof factor, "%lld × %lld%%", (long long)tuition, (long long)ratio);
    award_line(a, "学费补贴比例", factor, half, ratio_p->name, ratio_p->effective_from);
    int64_t amount = c->place.granted ? c->place.amount_fen : 0;
    snprintf(factor, sizeof factor, "min(%lld, 上限 %lld − 本学年在先已发 %lld)", (long long)half, (long long)cap,
             (long long)c->place.ahead_fen);
    award_line(a, "每学年上限", factor, amount, cap_p->name, cap_p->effective_from);
    if (amount <= 0)
        award_set(a, "refused", 0, "%lld 学年已达 %s 元上限，不再发放", (long long)year, money_format_yuan(cap, yuan, sizeof yuan));
    else
        award_set(a, "granted", amount, "学费补贴 %s 元（%lld 学年）", money_format_yuan(amount, yuan, sizeof yuan), (long long)year);
    *award = a;
    return 0;
}
