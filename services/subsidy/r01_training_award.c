/* r01_training_award.c: the amount of R01 TRAINING_SUBSIDY 培训补贴 (plan 二(三)9).
 *
 *   amount = min(rate for the certificate, cost_fen)
 *   at most r01_max_awards_per_year granted awards per person per calendar
 *   year of occurred_on, given in date order (docs/policy.md §3 "Order of
 *   arrival"); a further eligible training is refused by the ledger
 *   (docs/policy.md §6 example 1), recorded with its reason and shown to staff. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "money.h"
#include "programs.h"

int r01_training_claim(const Jiuye__Decision *d, program_claim_t *c, Jiuye__Award **award, char *err, size_t errlen) {
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
    snprintf(c->limit_key, sizeof c->limit_key, "%d", year);
    c->year = year;
    program_claim_order(d, c);
    c->place.want_fen = amount;
    c->place.cap = max_per_year;
    if (!award) return 0;

    char factor[160], label[96], yuan[32];
    Jiuye__Award *a = award_new(d, "TRAINING_SUBSIDY", year);
    const char *certificate = decision_fact_text(d, "certificate");
    snprintf(label, sizeof label, "培训补贴标准（证书 %s）", certificate ? certificate : "?");
    snprintf(factor, sizeof factor, "%s = %lld 分", rate->name, (long long)rate_fen);
    award_line(a, label, factor, rate_fen, rate->name, rate->effective_from);
    snprintf(factor, sizeof factor, "min(%lld, 培训费用 %lld)", (long long)rate_fen, (long long)cost_fen);
    award_line(a, "不超过实际培训费用", factor, amount, "", "");
    if (c->place.granted)
        award_set(a, "granted", amount, "培训补贴 %s 元（%d 年第 %d 次）", money_format_yuan(amount, yuan, sizeof yuan), year,
                  c->place.number);
    else
        award_set(a, "refused", 0, "%d 年已发放 %ld 次培训补贴（每人每年至多 %lld 次，按培训日期在先者），本次不予发放", year,
                  c->place.ahead, (long long)max_per_year);
    *award = a;
    return 0;
}
