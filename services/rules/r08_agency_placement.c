/* r08_agency_placement.c: R08 AGENCY_PLACEMENT 职业介绍补贴 (plan 二(三)10).
 *
 * An employment.started through an agency (agency_code) is recorded and a
 * durable timer set for its 12-month anniversary (the same day a year later;
 * 29 February -> 28 February). When the timer fires and the job has not
 * ended, the placement is eligible; the agency's tier (400 yuan for each of
 * its first 20 placements in the anniversary's calendar year, then 600) is
 * the ledger's to number. A job that ends before the anniversary earns
 * nothing: the timer is cancelled, or, if the end arrives after it fired, a
 * corrective decision makes the subsidy service reverse the award. */
#include <stdio.h>
#include <string.h>

#include "pg.h"
#include "rules.h"
#include "timers.h"

static void timer_id_for(const Jiuye__Event *started, char *out, size_t len) {
    snprintf(out, len, "r08/%s/%s", started->source, started->event_id);
}

rule_result_t r08_agency_placement(const rule_ctx_t *ctx, const Jiuye__Event *ev, Jiuye__Decision *d) {
    const Jiuye__EmploymentStarted *e = ev->employment_started;
    decision_beneficiary(d, e->agency_code, "agency");
    decision_fact(d, "cert_no", "%s", e->cert_no);
    decision_fact(d, "employer_code", "%s", e->employer_code);
    decision_fact(d, "started_on", "%s", ev->occurred_on);
    int registered = rule_require_registered(ctx, ev, e->cert_no, d);
    if (registered <= 0) return registered < 0 ? RULE_ERROR : RULE_DECIDED;
    policy_value_t months;
    if (rule_param(ctx, d, "r08_months", ctx->occurred_on, &months) != 0) return RULE_DECIDED;
    jdate_t anniversary = date_add_months(ctx->occurred_on, (int)months.value);
    char day[DATE_STRLEN], timer_id[300];
    decision_fact(d, "anniversary", "%s", date_format(anniversary, day));
    timer_id_for(ev, timer_id, sizeof timer_id);
    if (timers_schedule(ctx->pg, timer_id, "r08_anniversary", anniversary, e->cert_no, ev, "") != 0) return RULE_ERROR;
    decision_set(d, "info", "职业介绍安置已记录：至 %s 仍在岗（满 %lld 个月）即认定职业介绍补贴", day, (long long)months.value);
    return RULE_DECIDED;
}

/* detail: "" when the timer fires; a replay (replay.c) passes the id of the
 * decision it makes instead. */
int r08_anniversary_fire(const rule_ctx_t *ctx, const Jiuye__Event *ev, const char *detail, decision_list_t *out) {
    static const char *const audience[] = {"hrss", "cdpf", NULL};
    const Jiuye__EmploymentStarted *e = ev->employment_started;
    const char *p[] = {e->cert_no, e->employer_code, ev->occurred_on};
    PGresult *r = pg_exec(ctx->pg,
                          "SELECT ended_on::text FROM rules.employment WHERE cert_no = $1 AND employer_code = $2 "
                          "AND started_on = $3::date",
                          3, p);
    if (!r) return -1;
    char ended[DATE_STRLEN] = "";
    if (PQntuples(r) == 1 && !PQgetisnull(r, 0, 0)) snprintf(ended, sizeof ended, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);

    Jiuye__Decision *d = decision_new(ev, "R08/anniversary", "R08", "AGENCY_PLACEMENT", "二(三)10", audience,
                                      e->agency_code);
    if (detail && *detail) decision_set_id(d, detail);
    if (ctx->plan) decision_plan(d, ctx->plan);
    decision_beneficiary(d, e->agency_code, "agency");
    decision_fact(d, "cert_no", "%s", e->cert_no);
    decision_fact(d, "employer_code", "%s", e->employer_code);
    decision_fact(d, "started_on", "%s", ev->occurred_on);
    policy_value_t months, tier1, tier2, tier1_count;
    if (rule_param(ctx, d, "r08_months", ctx->occurred_on, &months) != 0) {
        decision_list_add(out, d);
        return 0;
    }
    jdate_t anniversary = date_add_months(ctx->occurred_on, (int)months.value);
    char day[DATE_STRLEN];
    decision_fact(d, "anniversary", "%s", date_format(anniversary, day));
    jdate_t ended_on;
    if (ended[0] && date_parse(ended, &ended_on) == 0 && ended_on < anniversary) {
        decision_free(d); /* ended in time for its own decision (r08_placement_ended) */
        return 0;
    }
    if (rule_param(ctx, d, "r08_tier1_fen", ctx->occurred_on, &tier1) == 0 &&
        rule_param(ctx, d, "r08_tier2_fen", ctx->occurred_on, &tier2) == 0 &&
        rule_param(ctx, d, "r08_tier1_count", ctx->occurred_on, &tier1_count) == 0) {
        decision_set(d, "eligible", "经职业介绍就业满 %lld 个月（%s 至 %s）仍在岗，中介机构可享受职业介绍补贴",
                     (long long)months.value, ev->occurred_on, day);
        const char *q[] = {d->decision_id, e->cert_no, e->employer_code, ev->occurred_on};
        if (pg_cmd(ctx->pg,
                   "UPDATE rules.employment SET decision_id = $1 WHERE cert_no = $2 AND employer_code = $3 "
                   "AND started_on = $4::date",
                   4, q) != 0) {
            decision_free(d);
            return -1;
        }
    }
    decision_list_add(out, d);
    return 0;
}

rule_result_t r08_placement_ended(const rule_ctx_t *ctx, const Jiuye__Event *ev, Jiuye__Decision *d) {
    const Jiuye__EmploymentEnded *e = ev->employment_ended;
    const char *p[] = {e->cert_no, e->employer_code, ev->occurred_on};
    PGresult *r = pg_exec(ctx->pg,
                          "SELECT started_on::text, agency_code, decision_id, source, event_id FROM rules.employment "
                          "WHERE cert_no = $1 AND employer_code = $2 AND ended_on = $3::date AND agency_code IS NOT NULL",
                          3, p);
    if (!r) return RULE_ERROR;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return RULE_NONE;
    }
    jdate_t start;
    char agency[32], corrected[400], timer_id[300];
    int bad = date_parse(PQgetvalue(r, 0, 0), &start);
    snprintf(agency, sizeof agency, "%s", PQgetvalue(r, 0, 1));
    snprintf(corrected, sizeof corrected, "%s", PQgetisnull(r, 0, 2) ? "" : PQgetvalue(r, 0, 2));
    snprintf(timer_id, sizeof timer_id, "r08/%s/%s", PQgetvalue(r, 0, 3), PQgetvalue(r, 0, 4));
    PQclear(r);
    if (bad) return RULE_ERROR;
    rule_ctx_t at_start = *ctx;
    at_start.plan = policy_for_date(ctx->plans, start);
    at_start.occurred_on = start;
    if (at_start.plan) decision_plan(d, at_start.plan);
    policy_value_t months;
    if (rule_param(&at_start, d, "r08_months", start, &months) != 0) return RULE_DECIDED;
    jdate_t anniversary = date_add_months(start, (int)months.value);
    if (ctx->occurred_on >= anniversary) return RULE_NONE; /* kept: ended on or after the anniversary */
    char day[DATE_STRLEN];
    decision_beneficiary(d, agency, "agency");
    decision_fact(d, "cert_no", "%s", e->cert_no);
    decision_fact(d, "started_on", "%s", date_format(start, day));
    decision_fact(d, "anniversary", "%s", date_format(anniversary, day));
    decision_fact(d, "ended_on", "%s", ev->occurred_on);
    if (corrected[0]) {
        decision_correct(d, corrected); /* the anniversary already paid: reverse it */
        decision_set(d, "ineligible", "就业于 %s 终止，早于满 12 个月之日 %s，已发放的职业介绍补贴予以冲回", ev->occurred_on, day);
    } else {
        if (timers_cancel(ctx->pg, timer_id) != 0) return RULE_ERROR;
        decision_set(d, "ineligible", "就业于 %s 终止，未满 12 个月（%s），不予职业介绍补贴", ev->occurred_on, day);
    }
    return RULE_DECIDED;
}
