/* r06_internship.c: R06 INTERNSHIP 就业见习补贴 (plan 二(二)7).
 * An internship.completed of a registered graduate is eligible; the base
 * receives 60 % of the minimum wage in force in the internship's last month
 * (occurred_on) for each month, months above 12 paid as 12. */
#include <stdio.h>
#include <string.h>

#include "pg.h"
#include "rules.h"

rule_result_t r06_internship(const rule_ctx_t *ctx, const Jiuye__Event *ev, Jiuye__Decision *d) {
    const Jiuye__InternshipCompleted *in = ev->internship_completed;
    decision_beneficiary(d, in->base_code, "base");
    decision_fact(d, "cert_no", "%s", in->cert_no);
    decision_fact(d, "months", "%d", in->months);
    const char *recorded = json_string_value(json_object_get(ctx->replay_facts, "registered_graduate"));
    int graduate;
    if (recorded) { /* replay: the graduate's record as it was when first decided */
        graduate = strcmp(recorded, "true") == 0;
        const char *year = json_string_value(json_object_get(ctx->replay_facts, "graduation_year"));
        if (graduate && year) decision_fact(d, "graduation_year", "%s", year);
    } else {
        const char *p[] = {in->cert_no};
        PGresult *r = pg_exec(ctx->pg, "SELECT graduation_year FROM rules.graduates WHERE cert_no = $1", 1, p);
        if (!r) return RULE_ERROR;
        graduate = PQntuples(r) == 1;
        if (graduate) decision_fact(d, "graduation_year", "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
    }
    decision_fact(d, "registered_graduate", "%s", graduate ? "true" : "false");
    if (!graduate) {
        decision_set(d, "ineligible", "见习人员不是已登记的残疾人高校毕业生，不予就业见习补贴");
        return RULE_DECIDED;
    }
    policy_value_t ratio, wage, max_months;
    if (rule_param(ctx, d, "r06_ratio_pct", ctx->occurred_on, &ratio) != 0 ||
        rule_param(ctx, d, "min_wage_fen", ctx->occurred_on, &wage) != 0 ||
        rule_param(ctx, d, "r06_max_months", ctx->occurred_on, &max_months) != 0)
        return RULE_DECIDED;
    int paid = in->months < max_months.value ? in->months : (int)max_months.value;
    decision_fact(d, "months_paid", "%d", paid);
    decision_set(d, "eligible", "残疾人高校毕业生见习 %d 个月，见习基地按 %d 个月享受见习补贴", in->months, paid);
    return RULE_DECIDED;
}
