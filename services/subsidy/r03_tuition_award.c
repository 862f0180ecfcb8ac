/* r03_tuition_award.c: the amount of R03 BLIND_TUITION 盲人学费补贴 (plan 二(二)8).
 *   amount = min(tuition × 50 %, 3 000 yuan − already granted in the academic year) */
#include <stdio.h>

#include "ledger.h"
#include "money.h"
#include "programs.h"

int r03_tuition_award(PGconn *pg, const Jiuye__Decision *d, const ledger_place_t *replaced, award_list_t *out, char *err,
                      size_t errlen) {
    int64_t tuition, year, ratio, cap;
    const Jiuye__ParameterValue *ratio_p = decision_parameter(d, "r03_tuition_ratio_pct");
    const Jiuye__ParameterValue *cap_p = decision_parameter(d, "r03_cap_fen_per_year");
    if (decision_fact_int(d, "tuition_fen", &tuition) != 0 || decision_fact_int(d, "academic_year", &year) != 0 ||
        decision_param_int(d, "r03_tuition_ratio_pct", &ratio) != 0 ||
        decision_param_int(d, "r03_cap_fen_per_year", &cap) != 0) {
        snprintf(err, errlen, "decision %s lacks tuition, academic year, ratio or cap", d->decision_id);
        return -1;
    }
    char limit_key[16], factor[160], yuan[32];
    snprintf(limit_key, sizeof limit_key, "AY%lld", (long long)year);
    int64_t granted;
    if (ledger_granted_sum(pg, "BLIND_TUITION", d->beneficiary, limit_key, &granted) != 0) {
        snprintf(err, errlen, "ledger query failed");
        return -1;
    }
    Jiuye__Award *a = award_new(d, "BLIND_TUITION", (int)year);
    int64_t half = money_ratio(tuition, ratio, 100);
    snprintf(factor, sizeof factor, "%lld × %lld%%", (long long)tuition, (long long)ratio);
    award_line(a, "学费补贴比例", factor, half, ratio_p->name, ratio_p->effective_from);
    int64_t room = cap - granted > 0 ? cap - granted : 0;
    int64_t amount = half < room ? half : room;
    snprintf(factor, sizeof factor, "min(%lld, 上限 %lld − 本学年已发 %lld)", (long long)half, (long long)cap,
             (long long)granted);
    award_line(a, "每学年上限", factor, amount, cap_p->name, cap_p->effective_from);
    if (amount <= 0)
        award_set(a, "refused", 0, "%lld 学年已达 %s 元上限，不再发放", (long long)year, money_format_yuan(cap, yuan, sizeof yuan));
    else
        award_set(a, "granted", amount, "学费补贴 %s 元（%lld 学年）", money_format_yuan(amount, yuan, sizeof yuan), (long long)year);
    program_replaces(a, replaced);
    if (award_store(pg, a, limit_key, 0) != 0) {
        award_free(a);
        snprintf(err, errlen, "storing award failed");
        return -1;
    }
    award_list_add(out, a);
    return 0;
}
