/* r05_graduate_jobseek.c: R05 GRADUATE_JOBSEEK 求职创业补贴 (plan 二(二)7).
 * A graduate.registered is eligible in the graduation year (the year of
 * occurred_on equals graduation_year); once per person, which the ledger keeps. */
#include "rules.h"

rule_result_t r05_graduate_jobseek(const rule_ctx_t *ctx, const Jiuye__Event *ev, Jiuye__Decision *d) {
    const Jiuye__GraduateRegistered *g = ev->graduate_registered;
    decision_beneficiary(d, g->cert_no, "person");
    decision_fact(d, "graduation_year", "%d", g->graduation_year);
    decision_fact(d, "school", "%s", g->school);
    int registered = rule_require_registered(ctx, ev, g->cert_no, d);
    if (registered <= 0) return registered < 0 ? RULE_ERROR : RULE_DECIDED;
    int year = date_year(ctx->occurred_on);
    if (year != g->graduation_year) {
        decision_set(d, "ineligible", "登记于 %d 年，不在毕业年度（%d 年），不予求职创业补贴", year, g->graduation_year);
        return RULE_DECIDED;
    }
    policy_value_t amount;
    if (rule_param(ctx, d, "r05_amount_fen", ctx->occurred_on, &amount) != 0) return RULE_DECIDED;
    decision_set(d, "eligible", "%d 年应届残疾人毕业生，符合求职创业补贴条件（每人一次）", year);
    return RULE_DECIDED;
}
