/* quota.c: the weighted count of disabled staff (see quota.h). */
#include "quota.h"

#include "ident.h"

int quota_count(const rule_ctx_t *ctx, const Jiuye__Event *ev, Jiuye__Decision *d, quota_t *q) {
    const Jiuye__EmployerAnnualReport *a = ev->employer_annual_report;
    jdate_t jan1;
    policy_value_t ratio, min_contract;
    if (date_from_ymd(a->year, 1, 1, &jan1) != 0) return -1;
    if (rule_param(ctx, d, "quota_ratio_permille", jan1, &ratio) != 0 ||
        rule_param(ctx, d, "min_wage_fen", jan1, &q->min_wage) != 0 ||
        rule_param(ctx, d, "r09_min_contract_months", jan1, &min_contract) != 0)
        return -1;
    q->counted = 0;
    int listed = 0, qualifying = 0;
    for (size_t i = 0; i < a->n_disabled_staff; i++) {
        const Jiuye__DisabledStaff *s = a->disabled_staff[i];
        cert_info_t info;
        char err[128];
        if (cert_no_parse(s->cert_no, &info, err, sizeof err) != 0) continue; /* intake validated them */
        listed++;
        if (s->contract_months < min_contract.value || s->monthly_wage_fen < q->min_wage.value || !s->social_insurance)
            continue;
        qualifying++;
        q->counted += info.grade <= 2 ? 2 : 1;
    }
    q->required_permille = (int64_t)a->staff_count * ratio.value;
    q->quota_persons = (int)((q->required_permille + 999) / 1000);
    decision_fact(d, "year", "%d", a->year);
    decision_fact(d, "staff_count", "%d", a->staff_count);
    decision_fact(d, "disabled_staff_listed", "%d", listed);
    decision_fact(d, "disabled_staff_qualifying", "%d", qualifying);
    decision_fact(d, "counted", "%d", q->counted);
    decision_fact(d, "required", "%lld.%03lld", (long long)(q->required_permille / 1000),
                  (long long)(q->required_permille % 1000));
    decision_fact(d, "quota_persons", "%d", q->quota_persons);
    return 0;
}
