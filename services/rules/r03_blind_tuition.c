/* r03_blind_tuition.c: R03 BLIND_TUITION 盲人学费补贴 (plan 二(二)8).
 * An education.enrolled of a person with a visual disability (category 1) is
 * eligible: 50 % of the tuition, at most 3 000 yuan per person per academic
 * year. The cap counts money already granted, so the ledger applies it. */
#include "ident.h"
#include "rules.h"

rule_result_t r03_blind_tuition(const rule_ctx_t *ctx, const Jiuye__Event *ev, Jiuye__Decision *d) {
    const Jiuye__EducationEnrolled *e = ev->education_enrolled;
    cert_info_t info;
    char err[128];
    decision_beneficiary(d, e->cert_no, "person");
    decision_fact(d, "academic_year", "%d", e->academic_year);
    decision_fact(d, "tuition_fen", "%lld", (long long)e->tuition_fen);
    decision_fact(d, "school", "%s", e->school);
    int registered = rule_require_registered(ctx, ev, e->cert_no, d);
    if (registered <= 0) return registered < 0 ? RULE_ERROR : RULE_DECIDED;
    if (cert_no_parse(e->cert_no, &info, err, sizeof err) != 0) {
        decision_set(d, "ineligible", "残疾人证号无效：%s", err);
        return RULE_DECIDED;
    }
    decision_fact(d, "category", "%d", info.category);
    if (info.category != 1) {
        decision_set(d, "ineligible", "残疾类别为 %d（非视力残疾），不适用盲人学费补贴", info.category);
        return RULE_DECIDED;
    }
    policy_value_t ratio, cap;
    if (rule_param(ctx, d, "r03_tuition_ratio_pct", ctx->occurred_on, &ratio) != 0 ||
        rule_param(ctx, d, "r03_cap_fen_per_year", ctx->occurred_on, &cap) != 0)
        return RULE_DECIDED;
    decision_set(d, "eligible", "视力残疾人就读（%d 学年），按学费 %lld%% 补贴，每学年不超过 %lld 分", e->academic_year,
                 (long long)ratio.value, (long long)cap.value);
    return RULE_DECIDED;
}
