/* r01_training_subsidy.c: R01 TRAINING_SUBSIDY 培训补贴 (plan 二(三)9).
 *
 * A training.completed is eligible when the person is registered, of working
 * age on the day and the course ran at least r01_min_hours hours. The amount
 * depends on the certificate and is capped by the cost; the yearly limit of
 * three awards is the subsidy ledger's to keep, so the decision passes the
 * rate, the cost and the cap on as facts and parameters. */
#include <string.h>

#include "rules.h"

/* level3, level2 and level1 share one rate ("三级及以上"). */
static const struct {
    const char *certificate, *parameter;
} amount_parameters[] = {
    {"none", "r01_amount_fen.none"},     {"special", "r01_amount_fen.special"},
    {"level5", "r01_amount_fen.level5"}, {"level4", "r01_amount_fen.level4"},
    {"level3", "r01_amount_fen.level3_or_higher"}, {"level2", "r01_amount_fen.level3_or_higher"},
    {"level1", "r01_amount_fen.level3_or_higher"},
};

rule_result_t r01_training_subsidy(const rule_ctx_t *ctx, const Jiuye__Event *ev, Jiuye__Decision *d) {
    const Jiuye__TrainingCompleted *t = ev->training_completed;
    decision_beneficiary(d, t->cert_no, "person");
    decision_fact(d, "course", "%s", t->course);
    decision_fact(d, "hours", "%d", t->hours);
    decision_fact(d, "certificate", "%s", t->certificate);
    decision_fact(d, "cost_fen", "%lld", (long long)t->cost_fen);

    int registered = rule_require_registered(ctx, ev, t->cert_no, d);
    if (registered <= 0) return registered < 0 ? RULE_ERROR : RULE_DECIDED;
    int working_age = rule_working_age(ctx, d, t->cert_no, "培训");
    if (working_age <= 0) return RULE_DECIDED;

    policy_value_t min_hours, amount, cap;
    const char *amount_name = NULL;
    for (size_t i = 0; i < sizeof amount_parameters / sizeof *amount_parameters; i++)
        if (strcmp(amount_parameters[i].certificate, t->certificate) == 0) amount_name = amount_parameters[i].parameter;
    if (rule_param(ctx, d, "r01_min_hours", ctx->occurred_on, &min_hours) != 0) return RULE_DECIDED;
    if (t->hours < min_hours.value) {
        decision_set(d, "ineligible", "培训 %d 学时，不足 %lld 学时，不予培训补贴", t->hours, (long long)min_hours.value);
        return RULE_DECIDED;
    }
    if (!amount_name || rule_param(ctx, d, amount_name, ctx->occurred_on, &amount) != 0 ||
        rule_param(ctx, d, "r01_max_awards_per_year", ctx->occurred_on, &cap) != 0)
        return RULE_DECIDED;
    decision_set(d, "eligible", "已登记、劳动年龄、培训 %d 学时（证书 %s），符合培训补贴条件", t->hours, t->certificate);
    return RULE_DECIDED;
}
