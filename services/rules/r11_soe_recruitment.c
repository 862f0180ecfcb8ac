/* r11_soe_recruitment.c: R11 SOE_RECRUITMENT 国企招聘计划 (plan 一(一)2).
 * A state-owned enterprise's recruitment plan must reserve at least 1.5 % of
 * its positions (⌈1.5 % × total⌉) for persons with disabilities. */
#include "rules.h"

rule_result_t r11_soe_recruitment(const rule_ctx_t *ctx, const Jiuye__Event *ev, Jiuye__Decision *d) {
    const Jiuye__RecruitmentPlan *p = ev->recruitment_plan;
    policy_value_t ratio;
    decision_fact(d, "year", "%d", p->year);
    decision_fact(d, "positions_total", "%d", p->positions_total);
    decision_fact(d, "positions_reserved", "%d", p->positions_reserved);
    if (rule_param(ctx, d, "soe_reserved_permille", ctx->occurred_on, &ratio) != 0) return RULE_DECIDED;
    long long needed = ((long long)p->positions_total * ratio.value + 999) / 1000;
    decision_fact(d, "positions_needed", "%lld", needed);
    if (p->positions_reserved >= needed) return RULE_NONE;
    decision_set(d, "action_required", "%d 年招聘计划 %d 个岗位，应预留不少于 %lld 个（1.5%%），仅预留 %d 个", p->year,
                 p->positions_total, needed, p->positions_reserved);
    return RULE_DECIDED;
}
