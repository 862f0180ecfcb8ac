/* rules.c: the rule table and the dispatcher (see rules.h). */
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pg.h"

/* A rule's audience: the departments told, a NULL-terminated list. */
#define AUDIENCE(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Which events a rule looks at, beyond their type. */
static int is_blind_massage(const Jiuye__Event *ev) {
    return strcmp(ev->training_completed->course, "blind_massage") == 0;
}
static int is_public_welfare_post(const Jiuye__Event *ev) {
    return strcmp(ev->employment_started->channel, "public_welfare_post") == 0;
}
static int is_agency_placement(const Jiuye__Event *ev) { return ev->employment_started->agency_code[0] != '\0'; }
static int is_auxiliary(const Jiuye__Event *ev) { return strcmp(ev->employment_started->channel, "auxiliary") == 0; }
static int is_public_body(const Jiuye__Event *ev) {
    const char *k = ev->employer_annual_report->employer_kind;
    return strcmp(k, "organ") == 0 || strcmp(k, "institution") == 0 || strcmp(k, "soe") == 0;
}
static int is_soe_plan(const Jiuye__Event *ev) { return strcmp(ev->recruitment_plan->employer_kind, "soe") == 0; }
static int is_hard_to_employ(const Jiuye__Event *ev) { return ev->person_registered->hard_to_employ; }
static int is_unemployed(const Jiuye__Event *ev) {
    return strcmp(ev->person_registered->employment_status, "unemployed") == 0;
}
static int graduate_wants_job(const Jiuye__Event *ev) { return ev->graduate_registered->wants_job; }
/* R17 on a registration: the person's row now holds exactly these two facts
 * (persons_register) and r17_person_match shortlists only job seekers, so
 * the others need no look at the vacancies. */
static int is_job_seeker(const Jiuye__Event *ev) { return is_unemployed(ev) && ev->person_registered->wants_job; }

typedef int (*rule_match_fn)(const Jiuye__Event *ev);

/* docs/policy.md §3, in its order. Fields left out are 0 / NULL: not a correction,
 * a not_in_force decision outside every plan, every event of the trigger type. */
static const struct {
    rule_def_t def;
    rule_match_fn match; /* NULL: every event of the trigger type */
} rule_table[] = {
    {.def = {.key = "R01", .id = "R01", .name = "TRAINING_SUBSIDY", .clause = "二(三)9",
             .trigger = "training.completed", .audience = AUDIENCE("cdpf", "hrss"),
             .decide = r01_training_subsidy}},
    {.def = {.key = "R02", .id = "R02", .name = "BLIND_MASSAGE_TRAINING", .clause = "二(二)8",
             .trigger = "training.completed", .audience = AUDIENCE("cdpf", "health"),
             .decide = r02_blind_massage_training}, .match = is_blind_massage},
    {.def = {.key = "R03", .id = "R03", .name = "BLIND_TUITION", .clause = "二(二)8",
             .trigger = "education.enrolled", .audience = AUDIENCE("cdpf", "finance"),
             .decide = r03_blind_tuition}},
    {.def = {.key = "R04", .id = "R04", .name = "PUBLIC_WELFARE_POST", .clause = "二(二)5",
             .trigger = "employment.started", .audience = AUDIENCE("hrss", "cdpf"),
             .decide = r04_public_welfare_post}, .match = is_public_welfare_post},
    {.def = {.key = "R04", .id = "R04", .name = "PUBLIC_WELFARE_POST", .clause = "二(二)5",
             .trigger = "employment.ended", .audience = AUDIENCE("hrss", "cdpf"), .correction = 1,
             .decide = r04_post_ended}},
    {.def = {.key = "R05", .id = "R05", .name = "GRADUATE_JOBSEEK", .clause = "二(二)7",
             .trigger = "graduate.registered", .audience = AUDIENCE("education", "hrss"),
             .decide = r05_graduate_jobseek}},
    {.def = {.key = "R06", .id = "R06", .name = "INTERNSHIP", .clause = "二(二)7",
             .trigger = "internship.completed", .audience = AUDIENCE("hrss", "cdpf"),
             .decide = r06_internship}},
    {.def = {.key = "R07", .id = "R07", .name = "STARTUP", .clause = "一(一)3",
             .trigger = "business.started", .audience = AUDIENCE("hrss", "cdpf"),
             .decide = r07_startup}},
    {.def = {.key = "R07-loan", .id = "R07", .name = "STARTUP", .clause = "一(一)3",
             .trigger = "business.started", .audience = AUDIENCE("hrss", "cdpf"),
             .decide = r07_startup_loan}},
    {.def = {.key = "R08", .id = "R08", .name = "AGENCY_PLACEMENT", .clause = "二(三)10",
             .trigger = "employment.started", .audience = AUDIENCE("hrss", "cdpf"),
             .decide = r08_agency_placement}, .match = is_agency_placement},
    {.def = {.key = "R08", .id = "R08", .name = "AGENCY_PLACEMENT", .clause = "二(三)10",
             .trigger = "employment.ended", .audience = AUDIENCE("hrss", "cdpf"), .correction = 1,
             .decide = r08_placement_ended}},
    {.def = {.key = "R09", .id = "R09", .name = "EMPLOYER_QUOTA", .clause = "三(二)",
             .trigger = "employer.annual_report", .audience = AUDIENCE("cdpf", "finance", "tax"),
             .decide = r09_employer_quota}},
    {.def = {.key = "R10", .id = "R10", .name = "INSTITUTION_MUST_HIRE", .clause = "一(一)1",
             .trigger = "employer.annual_report", .audience = AUDIENCE("org", "staffing", "cdpf"),
             .decide = r10_institution_must_hire}, .match = is_public_body},
    {.def = {.key = "R11", .id = "R11", .name = "SOE_RECRUITMENT", .clause = "一(一)2",
             .trigger = "recruitment.plan", .audience = AUDIENCE("sasac", "cdpf"),
             .decide = r11_soe_recruitment}, .match = is_soe_plan},
    {.def = {.key = "R12", .id = "R12", .name = "PWP_RATIO", .clause = "二(二)5",
             .trigger = "public_welfare_posts.created", .audience = AUDIENCE("hrss"),
             .decide = r12_pwp_ratio}},
    {.def = {.key = "R13", .id = "R13", .name = "HARD_TO_EMPLOY", .clause = "二(二)5",
             .trigger = "person.registered", .audience = AUDIENCE("cdpf", "hrss"),
             .decide = r13_hard_to_employ}, .match = is_hard_to_employ},
    {.def = {.key = "R14", .id = "R14", .name = "LOW_INCOME_EXEMPTION", .clause = "二(二)5",
             .trigger = "employment.started", .audience = AUDIENCE("civil"),
             .decide = r14_low_income_exemption}, .match = is_auxiliary},
    {.def = {.key = "R15", .id = "R15", .name = "FOUR_ONE_SERVICE", .clause = "二(三)10",
             .trigger = "person.registered", .audience = AUDIENCE("cdpf"),
             .decide = r15_four_one_service}, .match = is_unemployed},
    {.def = {.key = "R16", .id = "R16", .name = "GRADUATE_SERVICE", .clause = "二(二)7",
             .trigger = "graduate.registered", .audience = AUDIENCE("cdpf", "education"),
             .decide = r16_graduate_service}, .match = graduate_wants_job},
    {.def = {.key = "R17", .id = "R17", .name = "VACANCY_MATCH", .clause = "二(三)10",
             .trigger = "vacancy.posted", .audience = AUDIENCE("cdpf", "hrss"),
             .decide = r17_vacancy_posted}},
    {.def = {.key = "R17", .id = "R17", .name = "VACANCY_MATCH", .clause = "二(三)10",
             .trigger = "person.registered", .audience = AUDIENCE("cdpf", "hrss"),
             .decide = r17_person_match, .quiet_outside_plans = 1}, .match = is_job_seeker},
    {.def = {.key = "R17", .id = "R17", .name = "VACANCY_MATCH", .clause = "二(三)10",
             .trigger = "training.completed", .audience = AUDIENCE("cdpf", "hrss"),
             .decide = r17_person_match, .quiet_outside_plans = 1}},
};

#define N_RULES (sizeof rule_table / sizeof *rule_table)

const rule_def_t *rules_find(const char *key) {
    for (size_t i = 0; i < N_RULES; i++)
        if (!rule_table[i].def.correction && strcmp(rule_table[i].def.key, key) == 0) return &rule_table[i].def;
    return NULL;
}

/* Run one rule on ev into a new decision; NULL when it has nothing to say. */
static Jiuye__Decision *decide(const rule_def_t *r, const rule_ctx_t *ctx, const Jiuye__Event *ev,
                               const char *decision_id, int *failed) {
    Jiuye__Decision *d = decision_new(ev, r->key, r->id, r->name, r->clause, r->audience, rules_event_subject(ev));
    if (decision_id) decision_set_id(d, decision_id);
    if (!ctx->plan && !r->correction && r->quiet_outside_plans) {
        decision_free(d);
        return NULL;
    }
    if (!ctx->plan && !r->correction) {
        /* docs/policy.md §2: outside every loaded plan, never a silent default. */
        decision_set(d, "not_in_force", "事件日期 %s 不在任何已加载方案的有效期内，不予认定", ev->occurred_on);
        return d;
    }
    if (ctx->plan) decision_plan(d, ctx->plan);
    rule_result_t res = r->decide(ctx, ev, d);
    if (res != RULE_DECIDED) {
        if (res == RULE_ERROR) *failed = 1;
        decision_free(d);
        return NULL;
    }
    return d;
}

static int context(rule_ctx_t *ctx, txn_t *t, const policy_set_t *plans, const Jiuye__Event *ev) {
    jdate_t on;
    if (date_parse(ev->occurred_on, &on) != 0) return -1; /* intake validated it */
    ctx->txn = t;
    ctx->pg = txn_pg(t);
    ctx->plans = plans;
    ctx->plan = policy_for_date(plans, on);
    ctx->occurred_on = on;
    ctx->today = date_today();
    ctx->replay_facts = NULL;
    return 0;
}

int rules_decide(txn_t *t, const policy_set_t *plans, const Jiuye__Event *ev, decision_list_t *out) {
    rule_ctx_t ctx;
    if (context(&ctx, t, plans, ev) != 0) return -1;
    int failed = 0;
    for (size_t i = 0; i < N_RULES && !failed; i++) {
        const rule_def_t *r = &rule_table[i].def;
        if (strcmp(r->trigger, ev->type) != 0) continue;
        if (rule_table[i].match && !rule_table[i].match(ev)) continue;
        if (ctx.plan && !policy_rule_enabled(ctx.plan, r->id)) continue;
        Jiuye__Decision *d = decide(r, &ctx, ev, NULL, &failed);
        if (d) decision_list_add(out, d);
    }
    return failed ? -1 : 0;
}

Jiuye__Decision *rules_decide_one(txn_t *t, const policy_set_t *plans, const Jiuye__Event *ev, const char *key,
                                  const char *decision_id, int *failed) {
    const rule_def_t *r = rules_find(key);
    rule_ctx_t ctx;
    if (!r || context(&ctx, t, plans, ev) != 0) {
        *failed = 1;
        return NULL;
    }
    return decide(r, &ctx, ev, decision_id, failed);
}

const rule_def_t *rules_next_triggered(const Jiuye__Event *ev, size_t *cursor) {
    while (*cursor < N_RULES) {
        size_t i = (*cursor)++;
        if (strcmp(rule_table[i].def.trigger, ev->type) != 0) continue;
        if (rule_table[i].match && !rule_table[i].match(ev)) continue;
        return &rule_table[i].def;
    }
    return NULL;
}

Jiuye__Decision *rules_redecide(txn_t *t, const policy_set_t *plans, const Jiuye__Event *ev, const rule_def_t *r,
                                const json_t *facts, const char *decision_id, int *failed) {
    rule_ctx_t ctx;
    if (context(&ctx, t, plans, ev) != 0) {
        *failed = 1;
        return NULL;
    }
    ctx.replay_facts = facts;
    if (ctx.plan && !policy_rule_enabled(ctx.plan, r->id)) return NULL;
    return decide(r, &ctx, ev, decision_id, failed);
}

