/* r07_startup.c: R07 STARTUP 一次性创业补贴 (plan 一(一)3).
 * A business.started by a registered person is eligible for the one-time
 * start-up subsidy (once per person: the ledger keeps it), and the person is
 * told, as an `info` decision, of the 富民创业担保贷款 they may apply for. */
#include "rules.h"

rule_result_t r07_startup(const rule_ctx_t *ctx, const Jiuye__Event *ev, Jiuye__Decision *d) {
    const Jiuye__BusinessStarted *b = ev->business_started;
    decision_beneficiary(d, b->cert_no, "person");
    decision_fact(d, "business_code", "%s", b->business_code);
    decision_fact(d, "kind", "%s", b->kind);
    int registered = rule_require_registered(ctx, ev, b->cert_no, d);
    if (registered <= 0) return registered < 0 ? RULE_ERROR : RULE_DECIDED;
    policy_value_t amount;
    if (rule_param(ctx, d, "r07_amount_fen", ctx->occurred_on, &amount) != 0) return RULE_DECIDED;
    decision_set(d, "eligible", "残疾人自主创业（%s），符合一次性创业补贴条件（每人一次）", b->kind);
    return RULE_DECIDED;
}

rule_result_t r07_startup_loan(const rule_ctx_t *ctx, const Jiuye__Event *ev, Jiuye__Decision *d) {
    const Jiuye__BusinessStarted *b = ev->business_started;
    policy_value_t loan;
    decision_fact(d, "business_code", "%s", b->business_code);
    if (rule_param(ctx, d, "r07_loan_max_fen", ctx->occurred_on, &loan) != 0) return RULE_DECIDED;
    decision_set(d, "info", "可申请富民创业担保贷款，最高 %lld 元", (long long)(loan.value / 100));
    return RULE_DECIDED;
}
