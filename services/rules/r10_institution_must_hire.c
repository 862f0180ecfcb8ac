/* r10_institution_must_hire.c: R10 INSTITUTION_MUST_HIRE 机关事业单位带头安排 (plan 一(一)1, 三(二)).
 *
 * From a unit's annual report:
 *   - a city-level (320700) organ with staff (编制) ≥ 50, or institution with
 *     staff ≥ 67 (schools never), below the ratio with no qualifying disabled
 *     staff at all: must place at least one person;
 *   - any organ, institution or state-owned enterprise, at any level, below
 *     the ratio with the levy unpaid: not eligible for 先进单位 honours.
 * A unit that meets the ratio gets no decision. District-level units are
 * judged together per district in the KPI (docs/policy.md §4). */
#include <stdio.h>
#include <string.h>

#include "quota.h"

rule_result_t r10_institution_must_hire(const rule_ctx_t *ctx, const Jiuye__Event *ev, Jiuye__Decision *d) {
    const Jiuye__EmployerAnnualReport *a = ev->employer_annual_report;
    quota_t q;
    jdate_t jan1;
    if (date_from_ymd(a->year, 1, 1, &jan1) != 0) return RULE_ERROR;
    decision_fact(d, "employer_kind", "%s", a->employer_kind);
    decision_fact(d, "levy_paid", "%s", a->levy_paid ? "true" : "false");
    if (quota_count(ctx, ev, d, &q) != 0) return RULE_DECIDED;
    if (q.counted * 1000LL >= q.required_permille) return RULE_NONE; /* at the ratio */
    policy_value_t organ_min, institution_min;
    if (rule_param(ctx, d, "r10_organ_min_staff", jan1, &organ_min) != 0 ||
        rule_param(ctx, d, "r10_institution_min_staff", jan1, &institution_min) != 0)
        return RULE_DECIDED;
    int city = strcmp(ev->district, "320700") == 0;
    int big = (strcmp(a->employer_kind, "organ") == 0 && a->staff_count >= organ_min.value) ||
              (strcmp(a->employer_kind, "institution") == 0 && a->staff_count >= institution_min.value);
    int must_place = city && big && q.counted == 0;
    int no_honours = !a->levy_paid;
    decision_fact(d, "must_place_one", "%s", must_place ? "true" : "false");
    decision_fact(d, "honours_barred", "%s", no_honours ? "true" : "false");
    if (!must_place && !no_honours) return RULE_NONE;
    char reason[400];
    int at = snprintf(reason, sizeof reason, "%d 年安排残疾人 %d 人，低于 1.5%% 比例", a->year, q.counted);
    if (must_place && at < (int)sizeof reason)
        at += snprintf(reason + at, sizeof reason - at, "；市级%s编制 %d 人，未安排残疾人，至少应安排 1 名",
                       strcmp(a->employer_kind, "organ") == 0 ? "机关" : "事业单位", a->staff_count);
    if (no_honours && at < (int)sizeof reason)
        snprintf(reason + at, sizeof reason - at, "；未缴纳残保金，不得评选先进单位");
    decision_set(d, "action_required", "%s", reason);
    return RULE_DECIDED;
}
