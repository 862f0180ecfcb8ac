/* r08_placement_award.c: R08 AGENCY_PLACEMENT 职业介绍补贴 (plan 二(三)10), to the agency:
 * its placements are numbered in the order of their anniversaries in the
 * anniversary's calendar year (timers fire in that order); the first 20 are
 * paid 400 yuan each, from the 21st 600 (POLICY.md example 5). A later
 * reversal does not renumber the others: the count includes reversed ones. */
#include <stdio.h>

#include "date.h"
#include "ledger.h"
#include "money.h"
#include "programs.h"

int r08_placement_award(PGconn *pg, const Jiuye__Decision *d, const ledger_place_t *replaced, award_list_t *out, char *err,
                        size_t errlen) {
    const Jiuye__ParameterValue *t1 = decision_parameter(d, "r08_tier1_fen");
    const Jiuye__ParameterValue *t2 = decision_parameter(d, "r08_tier2_fen");
    int64_t tier1, tier2, tier1_count;
    const char *anniversary_text = decision_fact_text(d, "anniversary");
    jdate_t anniversary;
    if (!t1 || !t2 || decision_param_int(d, "r08_tier1_fen", &tier1) != 0 ||
        decision_param_int(d, "r08_tier2_fen", &tier2) != 0 ||
        decision_param_int(d, "r08_tier1_count", &tier1_count) != 0 || !anniversary_text ||
        date_parse(anniversary_text, &anniversary) != 0) {
        snprintf(err, errlen, "decision %s lacks its tiers or anniversary", d->decision_id);
        return -1;
    }
    int year = date_year(anniversary);
    char limit_key[16], label[96], factor[96], yuan[32];
    snprintf(limit_key, sizeof limit_key, "%d", year);
    /* A replayed decision keeps the number of the placement it replaces (its tier). */
    long before = replaced ? replaced->slot - 1 : ledger_granted_count(pg, "AGENCY_PLACEMENT", d->beneficiary, limit_key);
    if (before < 0) {
        snprintf(err, errlen, "ledger query failed");
        return -1;
    }
    int n = (int)before + 1;
    int first_tier = n <= tier1_count;
    const Jiuye__ParameterValue *rate = first_tier ? t1 : t2;
    int64_t amount = first_tier ? tier1 : tier2;
    Jiuye__Award *a = award_new(d, "AGENCY_PLACEMENT", year);
    snprintf(label, sizeof label, "%d 年第 %d 个满 12 个月的安置", year, n);
    if (first_tier)
        snprintf(factor, sizeof factor, "前 %lld 个安置每个 %lld", (long long)tier1_count, (long long)amount);
    else
        snprintf(factor, sizeof factor, "第 %lld 个起每个 %lld", (long long)tier1_count + 1, (long long)amount);
    award_line(a, label, factor, amount, rate->name, rate->effective_from);
    program_replaces(a, replaced);
    award_set(a, "granted", amount, "职业介绍补贴 %s 元（%d 年第 %d 个安置）", money_format_yuan(amount, yuan, sizeof yuan),
              year, n);
    if (award_store(pg, a, limit_key, n) != 0) {
        award_free(a);
        snprintf(err, errlen, "storing award failed");
        return -1;
    }
    award_list_add(out, a);
    return 0;
}
