/* r02_blind_massage_training.c: R02 BLIND_MASSAGE_TRAINING 盲人按摩培训 (plan 二(二)8).
 * A completed blind-massage training counts toward the yearly target of at
 * least 80 trained (docs/policy.md §4); the subsidy itself is R01's, decided for
 * the same event as for any training. */
#include "rules.h"

rule_result_t r02_blind_massage_training(const rule_ctx_t *ctx, const Jiuye__Event *ev, Jiuye__Decision *d) {
    const Jiuye__TrainingCompleted *t = ev->training_completed;
    policy_value_t target;
    decision_fact(d, "course", "%s", t->course);
    decision_fact(d, "hours", "%d", t->hours);
    if (rule_param(ctx, d, "r02_target_per_year", ctx->occurred_on, &target) != 0) return RULE_DECIDED;
    decision_set(d, "info", "盲人按摩培训 1 人次，计入每年不少于 %lld 人的培训目标；培训补贴按 R01 另行认定",
                 (long long)target.value);
    return RULE_DECIDED;
}
