/* r12_pwp_ratio.c: R12 PWP_RATIO 公益性岗位安排比例 (plan 二(二)5).
 * Of the public-welfare posts a district creates, at least 10 % (⌈10 % × total⌉)
 * go to persons with disabilities. */
#include "rules.h"

rule_result_t r12_pwp_ratio(const rule_ctx_t *ctx, const Jiuye__Event *ev, Jiuye__Decision *d) {
    const Jiuye__PublicWelfarePostsCreated *p = ev->public_welfare_posts_created;
    policy_value_t ratio;
    decision_fact(d, "year", "%d", p->year);
    decision_fact(d, "posts_total", "%d", p->posts_total);
    decision_fact(d, "posts_for_disabled", "%d", p->posts_for_disabled);
    if (rule_param(ctx, d, "pwp_disabled_permille", ctx->occurred_on, &ratio) != 0) return RULE_DECIDED;
    long long needed = ((long long)p->posts_total * ratio.value + 999) / 1000;
    decision_fact(d, "posts_needed", "%lld", needed);
    if (p->posts_for_disabled >= needed) return RULE_NONE;
    decision_set(d, "action_required", "%d 年开发公益性岗位 %d 个，应安排残疾人不少于 %lld 个（10%%），仅 %d 个", p->year,
                 p->posts_total, needed, p->posts_for_disabled);
    return RULE_DECIDED;
}
