/* r15_four_one_service.c: R15 FOUR_ONE_SERVICE “四个一”服务 (plan 二(三)10).
 *
 * An unemployed person of working age who registers is owed, within 30 days,
 * an information check (info_check) and, if they want a job, within 60 days a
 * capability assessment, a demand registration and an employment service.
 * Each deadline is a durable timer due the day after it; a service.delivered
 * on or before the deadline cancels it (state.c); a timer that fires makes an
 * `action_required` (overdue) decision. */
#include <stdio.h>
#include <string.h>

#include "pg.h"
#include "rules.h"
#include "timers.h"

static const struct {
    const char *service, *parameter, *label;
    int only_if_wants_job;
} four_ones[] = {
    {.service = "info_check", .parameter = "r15_info_check_days", .label = "信息核查"},
    {.service = "capability_assessment", .parameter = "r15_other_days", .label = "能力评估", .only_if_wants_job = 1},
    {.service = "demand_registration", .parameter = "r15_other_days", .label = "需求登记", .only_if_wants_job = 1},
    {.service = "employment_service", .parameter = "r15_other_days", .label = "就业服务", .only_if_wants_job = 1},
};

static const char *label_of(const char *service) {
    for (size_t i = 0; i < sizeof four_ones / sizeof *four_ones; i++)
        if (strcmp(four_ones[i].service, service) == 0) return four_ones[i].label;
    return service;
}

rule_result_t r15_four_one_service(const rule_ctx_t *ctx, const Jiuye__Event *ev, Jiuye__Decision *d) {
    const Jiuye__PersonRegistered *p = ev->person_registered;
    if (rule_working_age(ctx, d, p->cert_no, "登记") <= 0) return RULE_NONE; /* not of working age: no 四个一 */
    for (size_t i = 0; i < sizeof four_ones / sizeof *four_ones; i++) {
        if (four_ones[i].only_if_wants_job && !p->wants_job) continue;
        policy_value_t days;
        if (rule_param(ctx, d, four_ones[i].parameter, ctx->occurred_on, &days) != 0) return RULE_DECIDED;
        char timer_id[300];
        snprintf(timer_id, sizeof timer_id, "r15/%s/%s/%s", ev->source, ev->event_id, four_ones[i].service);
        jdate_t due = ctx->occurred_on + (jdate_t)days.value + 1; /* overdue the day after the deadline */
        if (timers_schedule(ctx->pg, timer_id, "r15_deadline", due, p->cert_no, ev, four_ones[i].service) != 0)
            return RULE_ERROR;
    }
    return RULE_NONE; /* nothing to tell staff until a deadline passes */
}

/* Was service delivered to cert_no between registration and deadline? 1 yes, 0 no, -1 error. */
static int delivered(PGconn *pg, const char *cert_no, const char *service, jdate_t from, jdate_t deadline) {
    char a[DATE_STRLEN], b[DATE_STRLEN];
    const char *p[] = {cert_no, service, date_format(from, a), date_format(deadline, b)};
    PGresult *r = pg_exec(pg,
                          "SELECT 1 FROM rules.services WHERE cert_no = $1 AND service = $2 "
                          "AND delivered_on BETWEEN $3::date AND $4::date LIMIT 1",
                          4, p);
    if (!r) return -1;
    int found = PQntuples(r) > 0;
    PQclear(r);
    return found;
}

/* Shared by R15 and R16: an overdue service becomes action_required. */
int service_deadline_fire(const rule_ctx_t *ctx, const Jiuye__Event *ev, const char *cert_no, const char *service,
                          const char *rule, const char *name, const char *clause, const char *const *audience,
                          const char *days_param, decision_list_t *out) {
    char key[64];
    snprintf(key, sizeof key, "%s-%s", rule, service);
    Jiuye__Decision *d = decision_new(ev, key, rule, name, clause, audience, cert_no);
    if (ctx->plan) decision_plan(d, ctx->plan);
    policy_value_t days;
    if (rule_param(ctx, d, days_param, ctx->occurred_on, &days) != 0) {
        decision_list_add(out, d);
        return 0;
    }
    jdate_t deadline = ctx->occurred_on + (jdate_t)days.value;
    int found = delivered(ctx->pg, cert_no, service, ctx->occurred_on, deadline);
    if (found != 0) {
        decision_free(d);
        return found < 0 ? -1 : 0;
    }
    char day[DATE_STRLEN];
    decision_fact(d, "service", "%s", service);
    decision_fact(d, "registered_on", "%s", ev->occurred_on);
    decision_fact(d, "deadline", "%s", date_format(deadline, day));
    decision_set(d, "action_required", "%s服务逾期：应于 %s 前（登记后 %lld 天内）完成，至今未收到服务记录，请尽快办理",
                 label_of(service), day, (long long)days.value);
    decision_list_add(out, d);
    return 0;
}

int r15_deadline_fire(const rule_ctx_t *ctx, const Jiuye__Event *ev, const char *service, decision_list_t *out) {
    static const char *const audience[] = {"cdpf", NULL};
    const char *days = strcmp(service, "info_check") == 0 ? "r15_info_check_days" : "r15_other_days";
    return service_deadline_fire(ctx, ev, ev->person_registered->cert_no, service, "R15", "FOUR_ONE_SERVICE",
                                 "二(三)10", audience, days, out);
}
