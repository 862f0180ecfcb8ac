/* r04_public_welfare_post.c: R04 PUBLIC_WELFARE_POST 公益性岗位补贴 + 社保补贴 (plan 二(二)5).
 *
 * An employment.started on a public-welfare post is eligible when the person
 * is registered and of working age. The months run consecutively from the
 * month of occurred_on, at most min(contract_months, r04_max_months); each
 * month is paid at the minimum wage in force on its first day (recorded here
 * as parameter min_wage_fen.YYYY-MM), plus the social-insurance subsidy.
 *
 * An employment.ended before the last month corrects the decision: a month is
 * served when the person still holds the post on its last day, and the
 * unserved months are reversed by the subsidy service (docs/policy.md §6 example 2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg.h"
#include "rules.h"

/* Record the minimum wage of each of `months` months from the month of start, from month `from` on. */
static int month_rates(const rule_ctx_t *ctx, Jiuye__Decision *d, jdate_t start, int from, int months) {
    for (int m = from; m < months; m++) {
        jdate_t first = date_month_first(date_add_months(date_month_first(start), m));
        char name[40], day[DATE_STRLEN];
        snprintf(name, sizeof name, "min_wage_fen.%.7s", date_format(first, day));
        policy_value_t v;
        if (!ctx->plan || policy_value_at(ctx->plan, "min_wage_fen", d->district, first, &v) != 0) {
            decision_set(d, "ineligible", "方案缺少 %s 的最低工资标准，无法认定，请运维核对方案文件", day);
            return -1;
        }
        decision_param(d, name, &v);
    }
    return 0;
}

rule_result_t r04_public_welfare_post(const rule_ctx_t *ctx, const Jiuye__Event *ev, Jiuye__Decision *d) {
    const Jiuye__EmploymentStarted *e = ev->employment_started;
    decision_beneficiary(d, e->cert_no, "person");
    decision_fact(d, "employer_code", "%s", e->employer_code);
    decision_fact(d, "started_on", "%s", ev->occurred_on);
    decision_fact(d, "contract_months", "%d", e->contract_months);
    int registered = rule_require_registered(ctx, ev, e->cert_no, d);
    if (registered <= 0) return registered < 0 ? RULE_ERROR : RULE_DECIDED;
    if (rule_working_age(ctx, d, e->cert_no, "上岗") <= 0) return RULE_DECIDED;
    policy_value_t max_months, insurance;
    if (rule_param(ctx, d, "r04_max_months", ctx->occurred_on, &max_months) != 0 ||
        rule_param(ctx, d, "r04_social_insurance_fen", ctx->occurred_on, &insurance) != 0)
        return RULE_DECIDED;
    int months = e->contract_months < max_months.value ? e->contract_months : (int)max_months.value;
    decision_fact(d, "months", "%d", months);
    if (month_rates(ctx, d, ctx->occurred_on, 0, months) != 0) return RULE_DECIDED;
    const char *p[] = {d->decision_id, e->cert_no, e->employer_code, ev->occurred_on};
    if (pg_cmd(ctx->pg,
               "UPDATE rules.employment SET decision_id = $1 WHERE cert_no = $2 AND employer_code = $3 "
               "AND started_on = $4::date",
               4, p) != 0)
        return RULE_ERROR;
    decision_set(d, "eligible", "已登记、劳动年龄人员上公益性岗位，按月发放岗位补贴（当月最低工资）和社保补贴，共 %d 个月", months);
    return RULE_DECIDED;
}

rule_result_t r04_post_ended(const rule_ctx_t *ctx, const Jiuye__Event *ev, Jiuye__Decision *d) {
    const Jiuye__EmploymentEnded *e = ev->employment_ended;
    const char *p[] = {e->cert_no, e->employer_code, ev->occurred_on};
    PGresult *r = pg_exec(ctx->pg,
                          "SELECT started_on::text, contract_months, decision_id FROM rules.employment WHERE cert_no = $1 "
                          "AND employer_code = $2 AND ended_on = $3::date AND channel = 'public_welfare_post' "
                          "AND decision_id IS NOT NULL",
                          3, p);
    if (!r) return RULE_ERROR;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return RULE_NONE; /* not a subsidised post: nothing to correct */
    }
    jdate_t start;
    int rc = date_parse(PQgetvalue(r, 0, 0), &start);
    int contract = (int)strtol(PQgetvalue(r, 0, 1), NULL, 10);
    char corrected[400];
    snprintf(corrected, sizeof corrected, "%s", PQgetvalue(r, 0, 2));
    PQclear(r);
    if (rc != 0) return RULE_ERROR;

    /* Rates are those of the start (the plan in force then), whatever the end's date. */
    rule_ctx_t at_start = *ctx;
    at_start.plan = policy_for_date(ctx->plans, start);
    at_start.occurred_on = start;
    if (at_start.plan) decision_plan(d, at_start.plan);
    decision_beneficiary(d, e->cert_no, "person");
    decision_correct(d, corrected);
    policy_value_t max_months, insurance;
    if (rule_param(&at_start, d, "r04_max_months", start, &max_months) != 0 ||
        rule_param(&at_start, d, "r04_social_insurance_fen", start, &insurance) != 0)
        return RULE_DECIDED;
    int months = contract < max_months.value ? contract : (int)max_months.value, served = 0;
    while (served < months && date_month_last(date_add_months(date_month_first(start), served)) <= ctx->occurred_on)
        served++;
    if (served >= months) return RULE_NONE; /* every granted month was served */
    char day[DATE_STRLEN];
    decision_fact(d, "started_on", "%s", date_format(start, day));
    decision_fact(d, "ended_on", "%s", ev->occurred_on);
    decision_fact(d, "months_granted", "%d", months);
    decision_fact(d, "months_served", "%d", served);
    if (month_rates(&at_start, d, start, served, months) != 0) return RULE_DECIDED;
    decision_set(d, "ineligible", "公益性岗位于 %s 终止，在岗 %d 个月，未在岗的 %d 个月补贴予以冲回", ev->occurred_on, served,
                 months - served);
    return RULE_DECIDED;
}
