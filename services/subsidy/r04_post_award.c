/* r04_post_award.c: the amounts of R04 PUBLIC_WELFARE_POST 公益性岗位补贴 + 社保补贴 (plan 二(二)5).
 *
 *   award    = Σ over the granted months (min_wage of that month + social insurance)
 *   reversal = −Σ over the months not served (docs/policy.md §6 example 2)
 * The decision lists each month's minimum wage as min_wage_fen.YYYY-MM (with
 * the date that rate took effect); the breakdown groups consecutive months at
 * the same rate, so a clerk reads "2 × 1840" and "22 × 2010". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "award_rows.h"
#include "date.h"
#include "money.h"
#include "programs.h"
#include "pg.h"

/* Sum the month rates of d into a, one breakdown line per run of equal rates. Returns the total or -1. */
static int64_t month_lines(Jiuye__Award *a, const Jiuye__Decision *d, int64_t *months_out) {
    int64_t total = 0, months = 0;
    size_t i = 0;
    const char *prefix = "min_wage_fen.";
    size_t plen = strlen(prefix);
    while (i < d->n_parameters) {
        const Jiuye__ParameterValue *p = d->parameters[i];
        if (strncmp(p->name, prefix, plen) != 0) {
            i++;
            continue;
        }
        size_t j = i + 1;
        int64_t run = 1;
        while (j < d->n_parameters && strncmp(d->parameters[j]->name, prefix, plen) == 0 &&
               strcmp(d->parameters[j]->value, p->value) == 0) {
            run++;
            j++;
        }
        int64_t rate = strtoll(p->value, NULL, 10);
        char label[96], factor[96];
        snprintf(label, sizeof label, "岗位补贴 %s 起 %lld 个月", p->name + plen, (long long)run);
        snprintf(factor, sizeof factor, "%lld × %lld", (long long)run, (long long)rate);
        award_line(a, label, factor, run * rate, "min_wage_fen", p->effective_from);
        total += run * rate;
        months += run;
        i = j;
    }
    *months_out = months;
    return total;
}

static int insurance_line(Jiuye__Award *a, const Jiuye__Decision *d, int64_t months, int64_t *amount) {
    const Jiuye__ParameterValue *si = decision_parameter(d, "r04_social_insurance_fen");
    int64_t rate;
    if (!si || decision_param_int(d, "r04_social_insurance_fen", &rate) != 0) return -1;
    char label[64], factor[96];
    snprintf(label, sizeof label, "社保补贴 %lld 个月", (long long)months);
    snprintf(factor, sizeof factor, "%lld × %lld", (long long)months, (long long)rate);
    award_line(a, label, factor, months * rate, si->name, si->effective_from);
    *amount = months * rate;
    return 0;
}

int64_t r04_post_amount(Jiuye__Award *a, const Jiuye__Decision *d, int64_t *months) {
    int64_t insurance, wages = month_lines(a, d, months);
    if (*months == 0 || insurance_line(a, d, *months, &insurance) != 0) return -1;
    return wages + insurance;
}

int r04_post_award(txn_t *t, const Jiuye__Decision *d, const ledger_place_t *replaced, award_list_t *out, char *err,
                   size_t errlen) {
    jdate_t on;
    if (date_parse(d->occurred_on, &on) != 0) return -1;
    Jiuye__Award *a = award_new(d, "PUBLIC_WELFARE_POST", date_year(on));
    int64_t months, total = r04_post_amount(a, d, &months);
    if (total < 0) {
        award_free(a);
        snprintf(err, errlen, "decision %s lacks its monthly rates or the social-insurance rate", d->decision_id);
        return -1;
    }
    char yuan[32];
    award_set(a, "granted", total, "公益性岗位补贴及社保补贴 %s 元（%lld 个月）", money_format_yuan(total, yuan, sizeof yuan),
              (long long)months);
    program_replaces(a, replaced);
    return award_store_into(t, a, NULL, 0, out, "the award", err, errlen);
}

int r04_post_reversal(txn_t *t, const Jiuye__Decision *d, award_list_t *out, char *err, size_t errlen) {
    /* Only the end of a post undoes months; any other correction (a replayed
     * decision of the start) undoes the award in full, and its new award, if
     * any, replaces it. */
    if (strcmp(d->event_type, "employment.ended") != 0) return reversal_full(t, d, out, err, errlen);
    char original[512];
    snprintf(original, sizeof original, "%s/PUBLIC_WELFARE_POST", d->corrects_decision_id);
    const char *p[] = {original};
    PGresult *r = award_rows_before_read(t) != 0 ? NULL : pg_exec(txn_pg(t),
                          "SELECT year, status FROM subsidy.awards WHERE award_id = $1 "
                          "AND status IN ('granted', 'waiting_budget') AND NOT EXISTS "
                          "(SELECT 1 FROM subsidy.awards r WHERE r.reverses_award_id = $1)",
                          1, p);
    if (!r) return -1;
    int found = PQntuples(r) == 1;
    int year = found ? (int)strtol(PQgetvalue(r, 0, 0), NULL, 10) : 0;
    char status[32];
    snprintf(status, sizeof status, "%s", found ? PQgetvalue(r, 0, 1) : "");
    PQclear(r);
    if (!found) return 0; /* nothing granted (or already reversed): nothing to undo */
    Jiuye__Award *a = award_new(d, "PUBLIC_WELFARE_POST", year);
    int64_t months, total = r04_post_amount(a, d, &months);
    if (total < 0) {
        award_free(a);
        snprintf(err, errlen, "correction %s lacks the rates of the months not served", d->decision_id);
        return -1;
    }
    award_reverses(a, original);
    char yuan[32];
    award_set(a, status, -total, "岗位终止，冲回未在岗 %lld 个月的补贴 %s 元", (long long)months,
              money_format_yuan(-total, yuan, sizeof yuan));
    return award_store_into(t, a, NULL, 0, out, "a reversal", err, errlen);
}
