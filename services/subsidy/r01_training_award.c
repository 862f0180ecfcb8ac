/* r01_training_award.c: the amount of R01 TRAINING_SUBSIDY 培训补贴 (plan 二(三)9).
 *
 *   amount = min(rate for the certificate, cost_fen)
 *   at most r01_max_awards_per_year granted awards per person per calendar
 *   year of occurred_on; a further eligible training is refused by the ledger
 *   (POLICY.md example 1), recorded with its reason and shown to staff. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "ledger.h"
#include "money.h"
#include "programs.h"

int r01_training_award(PGconn *pg, const Jiuye__Decision *d, const ledger_place_t *replaced, award_list_t *out, char *err,
                       size_t errlen) {
    const Jiuye__ParameterValue *rate = decision_parameter(d, "r01_amount_fen.");
    int64_t rate_fen, cost_fen, max_per_year;
    jdate_t on;
    if (!rate || decision_param_int(d, "r01_amount_fen.", &rate_fen) != 0 ||
        decision_param_int(d, "r01_max_awards_per_year", &max_per_year) != 0 ||
        decision_fact_int(d, "cost_fen", &cost_fen) != 0 || date_parse(d->occurred_on, &on) != 0) {
        snprintf(err, errlen, "decision %s lacks its rate, yearly cap or cost", d->decision_id);
        return -1;
    }
    int64_t amount = rate_fen < cost_fen ? rate_fen : cost_fen;
    int year = date_year(on);
    char limit_key[16], factor[160], label[96], yuan[32];
    snprintf(limit_key, sizeof limit_key, "%d", year);

    Jiuye__Award *a = award_new(d, "TRAINING_SUBSIDY", year);
    const char *certificate = decision_fact_text(d, "certificate");
    snprintf(label, sizeof label, "培训补贴标准（证书 %s）", certificate ? certificate : "?");
    snprintf(factor, sizeof factor, "%s = %lld 分", rate->name, (long long)rate_fen);
    award_line(a, label, factor, rate_fen, rate->name, rate->effective_from);
    snprintf(factor, sizeof factor, "min(%lld, 培训费用 %lld)", (long long)rate_fen, (long long)cost_fen);
    award_line(a, "不超过实际培训费用", factor, amount, "", "");

    if (replaced) { /* a replayed decision keeps the yearly place of the award it replaces */
        program_replaces(a, replaced);
        award_set(a, "granted", amount, "培训补贴 %s 元（%d 年第 %d 次，更正，沿用 %s 的名额）",
                  money_format_yuan(amount, yuan, sizeof yuan), year, replaced->slot, replaced->award_id);
        if (award_store(pg, a, limit_key, replaced->slot) != 0) {
            award_free(a);
            snprintf(err, errlen, "storing award failed");
            return -1;
        }
        award_list_add(out, a);
        return 0;
    }
    long granted = ledger_granted_count(pg, "TRAINING_SUBSIDY", d->beneficiary, limit_key);
    if (granted < 0) {
        award_free(a);
        snprintf(err, errlen, "ledger query failed");
        return -1;
    }
    int slot = 0;
    if (granted >= max_per_year) {
        award_set(a, "refused", 0, "%d 年已发放 %ld 次培训补贴（每人每年至多 %lld 次），本次不予发放", year, granted,
                  (long long)max_per_year);
    } else {
        slot = (int)granted + 1;
        award_set(a, "granted", amount, "培训补贴 %s 元（%d 年第 %d 次）", money_format_yuan(amount, yuan, sizeof yuan),
                  year, slot);
    }
    if (award_store(pg, a, limit_key, slot) != 0) {
        award_free(a);
        snprintf(err, errlen, "storing award failed");
        return -1;
    }
    award_list_add(out, a);
    return 0;
}
