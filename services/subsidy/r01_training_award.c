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

int r01_training_award(PGconn *pg, const Jiuye__Event *ev, const Jiuye__Decision *d, Jiuye__Award **out, char *err,
                       size_t errlen) {
    const Jiuye__ParameterValue *rate = decision_parameter(d, "r01_amount_fen.");
    const Jiuye__ParameterValue *cap = decision_parameter(d, "r01_max_awards_per_year");
    if (!ev || ev->payload_case != JIUYE__EVENT__PAYLOAD_TRAINING_COMPLETED || !rate || !cap) {
        snprintf(err, errlen, "decision %s lacks the training event, its rate or its yearly cap", d->decision_id);
        return -1;
    }
    jdate_t on;
    if (date_parse(d->occurred_on, &on) != 0) {
        snprintf(err, errlen, "decision %s: occurred_on is not a date", d->decision_id);
        return -1;
    }
    int64_t rate_fen = strtoll(rate->value, NULL, 10);
    int64_t cost_fen = ev->training_completed->cost_fen;
    int64_t amount = rate_fen < cost_fen ? rate_fen : cost_fen;
    long max_per_year = strtol(cap->value, NULL, 10);
    int year = date_year(on);

    Jiuye__Award *a = award_new(d, "TRAINING_SUBSIDY", year);
    char factor[160], yuan[32], label[96];
    snprintf(label, sizeof label, "培训补贴标准（证书 %s）", ev->training_completed->certificate);
    snprintf(factor, sizeof factor, "%s = %s 分", rate->name, rate->value);
    award_line(a, label, factor, rate_fen, rate->name, rate->effective_from);
    snprintf(factor, sizeof factor, "min(%lld, 培训费用 %lld)", (long long)rate_fen, (long long)cost_fen);
    award_line(a, "不超过实际培训费用", factor, amount, "", "");

    long granted = ledger_granted_count(pg, "TRAINING_SUBSIDY", d->beneficiary, year);
    if (granted < 0) {
        award_free(a);
        snprintf(err, errlen, "ledger query failed");
        return -1;
    }
    int slot = 0;
    if (granted >= max_per_year) {
        award_set(a, "refused", 0, "%d 年已发放 %ld 次培训补贴（每人每年至多 %ld 次，%s 起），本次不予发放", year, granted,
                  max_per_year, cap->effective_from);
    } else {
        slot = (int)granted + 1;
        award_set(a, "granted", amount, "培训补贴 %s 元（%d 年第 %d 次）", money_format_yuan(amount, yuan, sizeof yuan),
                  year, slot);
    }
    if (award_store(pg, a, slot) != 0) {
        award_free(a);
        snprintf(err, errlen, "storing award failed");
        return -1;
    }
    *out = a;
    return 0;
}
