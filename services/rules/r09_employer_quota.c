/* r09_employer_quota.c: R09 EMPLOYER_QUOTA 按比例安排残疾人就业 (plan 三(二), 一(一)1-2).
 *
 * counted = Σ weights of listed disabled staff who qualify (contract ≥ 12
 * months, wage ≥ min_wage, social insurance paid; grade 1-2 weighs 2);
 * required = staff × 1.5 %; quota_persons = ⌈required⌉; wages of 1 January of
 * the report year.
 *   counted ≥ quota_persons: eligible for the reward
 *       quota_persons × 2 × min_wage + (counted − quota_persons) × 4 × min_wage
 *   otherwise action_required, with the levy estimate
 *       (required − counted) × min(avg_wage, 2 × avg_social_wage) × 12 × rate,
 *       rate 50 % when counted/staff ≥ 1 %, else 90 %; exempt when staff ≤ 30.
 * The levy uses the exact required number, a fraction: here in thousandths. */
#include <stdio.h>

#include "money.h"
#include "pg.h"
#include "quota.h"

static int remember_report(const rule_ctx_t *ctx, const Jiuye__Event *ev, const quota_t *q) {
    const Jiuye__EmployerAnnualReport *a = ev->employer_annual_report;
    char year[16], staff[16], counted[16];
    snprintf(year, sizeof year, "%d", a->year);
    snprintf(staff, sizeof staff, "%d", a->staff_count);
    snprintf(counted, sizeof counted, "%d", q->counted);
    const char *p[] = {a->employer_code, year, a->employer_kind, ev->district, staff, counted,
                       a->levy_paid ? "t" : "f", ev->source, ev->event_id, ctx->replay_facts ? "t" : "f"};
    return pg_cmd(ctx->pg,
                  "INSERT INTO rules.employer_reports (employer_code, year, employer_kind, district, staff_count, "
                  "counted, levy_paid, source, event_id) VALUES ($1, $2::int, $3, $4, $5::int, $6::int, $7::boolean, "
                  "$8, $9) ON CONFLICT (employer_code, year) DO UPDATE SET employer_kind = EXCLUDED.employer_kind, "
                  "district = EXCLUDED.district, staff_count = EXCLUDED.staff_count, counted = EXCLUDED.counted, "
                  "levy_paid = EXCLUDED.levy_paid, source = EXCLUDED.source, event_id = EXCLUDED.event_id "
                  /* A replay updates the unit's figures only if this report is still its latest. */
                  "WHERE $10::boolean IS NOT TRUE OR (rules.employer_reports.source = EXCLUDED.source "
                  "AND rules.employer_reports.event_id = EXCLUDED.event_id)",
                  10, p);
}

rule_result_t r09_employer_quota(const rule_ctx_t *ctx, const Jiuye__Event *ev, Jiuye__Decision *d) {
    const Jiuye__EmployerAnnualReport *a = ev->employer_annual_report;
    quota_t q;
    decision_beneficiary(d, a->employer_code, "employer");
    decision_fact(d, "employer_kind", "%s", a->employer_kind);
    if (quota_count(ctx, ev, d, &q) != 0) return RULE_DECIDED;
    if (remember_report(ctx, ev, &q) != 0) return RULE_ERROR;
    char yuan[32];
    jdate_t jan1;
    if (date_from_ymd(a->year, 1, 1, &jan1) != 0) return RULE_ERROR;
    if (q.counted >= q.quota_persons) {
        policy_value_t base_months, extra_months;
        if (rule_param(ctx, d, "r09_reward_quota_months", jan1, &base_months) != 0 ||
            rule_param(ctx, d, "r09_reward_extra_months", jan1, &extra_months) != 0)
            return RULE_DECIDED;
        decision_set(d, "eligible", "%d 年安排残疾人 %d 人（按比例应安排 %d 人），达到 1.5%% 比例，可获超比例奖励", a->year,
                     q.counted, q.quota_persons);
        return RULE_DECIDED;
    }
    policy_value_t small, avg_social, cap_multiple, rate_low, rate_high, threshold;
    if (rule_param(ctx, d, "levy_small_employer_max_staff", jan1, &small) != 0 ||
        rule_param(ctx, d, "avg_social_wage_fen", jan1, &avg_social) != 0 ||
        rule_param(ctx, d, "levy_wage_cap_multiple", jan1, &cap_multiple) != 0 ||
        rule_param(ctx, d, "levy_rate_pct_below_threshold", jan1, &rate_low) != 0 ||
        rule_param(ctx, d, "levy_rate_pct_at_threshold", jan1, &rate_high) != 0 ||
        rule_param(ctx, d, "levy_rate_threshold_permille", jan1, &threshold) != 0)
        return RULE_DECIDED;
    decision_fact(d, "avg_wage_fen", "%lld", (long long)a->avg_wage_fen);
    decision_fact(d, "levy_paid", "%s", a->levy_paid ? "true" : "false");
    if (a->staff_count <= small.value) {
        decision_fact(d, "levy_estimate_fen", "0");
        decision_set(d, "action_required", "安排残疾人 %d 人，未达按比例应安排的 %d 人；在职职工 %d 人（≤ %lld 人），免征残保金", q.counted,
                     q.quota_persons, a->staff_count, (long long)small.value);
        return RULE_DECIDED;
    }
    int64_t cap = cap_multiple.value * avg_social.value;
    int64_t wage = a->avg_wage_fen < cap ? a->avg_wage_fen : cap;
    int at_threshold = (int64_t)q.counted * 1000 >= (int64_t)a->staff_count * threshold.value;
    int64_t rate = at_threshold ? rate_high.value : rate_low.value;
    /* (required − counted) in thousandths × wage × 12 × rate % */
    int64_t shortfall_permille = q.required_permille - (int64_t)q.counted * 1000;
    int64_t levy = money_ratio(shortfall_permille * 12 * rate, wage, 1000 * 100);
    decision_fact(d, "levy_wage_fen", "%lld", (long long)wage);
    decision_fact(d, "levy_rate_pct", "%lld", (long long)rate);
    decision_fact(d, "levy_estimate_fen", "%lld", (long long)levy);
    decision_set(d, "action_required", "安排残疾人 %d 人，未达按比例应安排的 %d 人；预计应缴残保金 %s 元（征收比例 %lld%%）", q.counted,
                 q.quota_persons, money_format_yuan(levy, yuan, sizeof yuan), (long long)rate);
    return RULE_DECIDED;
}
