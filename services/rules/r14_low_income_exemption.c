/* r14_low_income_exemption.c: R14 LOW_INCOME_EXEMPTION 辅助性就业收入不计入家庭收入 (plan 二(二)5).
 * A person on 低保 who starts auxiliary employment: that income is not counted
 * as household income. */
#include "persons.h"
#include "rules.h"

rule_result_t r14_low_income_exemption(const rule_ctx_t *ctx, const Jiuye__Event *ev, Jiuye__Decision *d) {
    const Jiuye__EmploymentStarted *e = ev->employment_started;
    person_t person;
    int found = persons_find(ctx->txn, e->cert_no, &person);
    if (found < 0) return RULE_ERROR;
    if (!found || !person.low_income) return RULE_NONE;
    decision_fact(d, "channel", "%s", e->channel);
    decision_fact(d, "low_income", "true");
    decision_fact(d, "monthly_wage_fen", "%lld", (long long)e->monthly_wage_fen);
    decision_set(d, "info", "低保家庭残疾人从事辅助性就业，其收入不计入家庭收入，请民政部门核定低保时予以扣除");
    return RULE_DECIDED;
}
