/* r08_placement_award.c: R08 AGENCY_PLACEMENT 职业介绍补贴 (plan 二(三)10), to the agency:
 * its placements are numbered in the order of their anniversaries in the
 * anniversary's calendar year (same day: by start date, then cert_no), not in
 * the order their decisions arrive (docs/policy.md §3 "Agency tiers (R08)", "Order of
 * arrival"); the first 20 are paid 400 yuan each, from the 21st 600
 * (docs/policy.md §6 example 5). A later reversal does not renumber the others: a withdrawn
 * placement keeps its number (allocation.h, ALLOC_TIERS). */
#include <stdio.h>

#include "date.h"
#include "money.h"
#include "programs.h"

int r08_placement_claim(const Jiuye__Decision *d, program_claim_t *c, Jiuye__Award **award, char *err, size_t errlen) {
    const Jiuye__ParameterValue *t1 = decision_parameter(d, "r08_tier1_fen");
    const Jiuye__ParameterValue *t2 = decision_parameter(d, "r08_tier2_fen");
    int64_t tier1, tier2, tier1_count;
    const char *anniversary_text = decision_fact_text(d, "anniversary");
    const char *started_on = decision_fact_text(d, "started_on");
    const char *cert_no = decision_fact_text(d, "cert_no");
    jdate_t anniversary;
    if (!t1 || !t2 || decision_param_int(d, "r08_tier1_fen", &tier1) != 0 ||
        decision_param_int(d, "r08_tier2_fen", &tier2) != 0 ||
        decision_param_int(d, "r08_tier1_count", &tier1_count) != 0 || !anniversary_text || !started_on ||
        !cert_no || date_parse(anniversary_text, &anniversary) != 0) {
        snprintf(err, errlen, "decision %s lacks its tiers, anniversary, start or cert_no", d->decision_id);
        return -1;
    }
    int year = date_year(anniversary);
    snprintf(c->limit_key, sizeof c->limit_key, "%d", year);
    c->year = year;
    program_claim_order(d, c);
    snprintf(c->place.on, sizeof c->place.on, "%s", anniversary_text);
    snprintf(c->place.tie, sizeof c->place.tie, "%s %s", started_on, cert_no);
    c->place.want_fen = tier1;
    c->place.tier2_fen = tier2;
    c->place.cap = tier1_count;
    if (!award) return 0;

    char label[96], factor[96], yuan[32];
    int n = c->place.number, first_tier = n <= tier1_count;
    const Jiuye__ParameterValue *rate = first_tier ? t1 : t2;
    int64_t amount = c->place.amount_fen;
    Jiuye__Award *a = award_new(d, "AGENCY_PLACEMENT", year);
    snprintf(label, sizeof label, "%d 年第 %d 个满 12 个月的安置", year, n);
    if (first_tier)
        snprintf(factor, sizeof factor, "前 %lld 个安置每个 %lld", (long long)tier1_count, (long long)amount);
    else
        snprintf(factor, sizeof factor, "第 %lld 个起每个 %lld", (long long)tier1_count + 1, (long long)amount);
    award_line(a, label, factor, amount, rate->name, rate->effective_from);
    award_set(a, "granted", amount, "职业介绍补贴 %s 元（%d 年第 %d 个安置）", money_format_yuan(amount, yuan, sizeof yuan),
              year, n);
    *award = a;
    return 0;
}
