/* rules.c: the rule table, the dispatcher and helpers shared by rule files (see rules.h). */
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_rows.h"
#include "ident.h"
#include "log.h"
#include "pending.h"
#include "persons.h"
#include "pg.h"
#include "state.h"

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

/* POLICY.md §3, in its order. Fields left out are 0 / NULL: not a correction,
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

void decision_list_add(decision_list_t *l, Jiuye__Decision *d) {
    Jiuye__Decision **grown = realloc(l->items, (l->n + 1) * sizeof *l->items);
    if (!grown) abort();
    l->items = grown;
    l->items[l->n++] = d;
}

void decision_list_clear(decision_list_t *l) {
    for (size_t i = 0; i < l->n; i++) decision_free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

const rule_def_t *rules_find(const char *key) {
    for (size_t i = 0; i < N_RULES; i++)
        if (!rule_table[i].def.correction && strcmp(rule_table[i].def.key, key) == 0) return &rule_table[i].def;
    return NULL;
}

const char *rules_event_subject(const Jiuye__Event *ev) {
    switch (ev->payload_case) {
    case JIUYE__EVENT__PAYLOAD_PERSON_REGISTERED: return ev->person_registered->cert_no;
    case JIUYE__EVENT__PAYLOAD_TRAINING_COMPLETED: return ev->training_completed->cert_no;
    case JIUYE__EVENT__PAYLOAD_EMPLOYMENT_STARTED: return ev->employment_started->cert_no;
    case JIUYE__EVENT__PAYLOAD_EMPLOYMENT_ENDED: return ev->employment_ended->cert_no;
    case JIUYE__EVENT__PAYLOAD_BUSINESS_STARTED: return ev->business_started->cert_no;
    case JIUYE__EVENT__PAYLOAD_GRADUATE_REGISTERED: return ev->graduate_registered->cert_no;
    case JIUYE__EVENT__PAYLOAD_INTERNSHIP_COMPLETED: return ev->internship_completed->cert_no;
    case JIUYE__EVENT__PAYLOAD_EDUCATION_ENROLLED: return ev->education_enrolled->cert_no;
    case JIUYE__EVENT__PAYLOAD_EMPLOYER_ANNUAL_REPORT: return ev->employer_annual_report->employer_code;
    case JIUYE__EVENT__PAYLOAD_RECRUITMENT_PLAN: return ev->recruitment_plan->employer_code;
    case JIUYE__EVENT__PAYLOAD_PUBLIC_WELFARE_POSTS_CREATED: return ev->district;
    case JIUYE__EVENT__PAYLOAD_SERVICE_DELIVERED: return ev->service_delivered->cert_no;
    case JIUYE__EVENT__PAYLOAD_VACANCY_POSTED: return ev->vacancy_posted->employer_code;
    case JIUYE__EVENT__PAYLOAD_VACANCY_CLOSED: return ev->vacancy_closed->employer_code;
    default: return "";
    }
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
        /* POLICY.md §2: outside every loaded plan, never a silent default. */
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

int rules_apply(txn_t *t, const policy_set_t *plans, const Jiuye__Event *ev, decision_list_t *out) {
    rule_ctx_t ctx;
    if (context(&ctx, t, plans, ev) != 0 || event_rows_keep(t, ev) != 0) return -1;
    int waiting = state_update(t, ev);
    if (waiting < 0) return -1;
    int failed = 0;
    for (size_t i = 0; i < N_RULES && !failed; i++) {
        const rule_def_t *r = &rule_table[i].def;
        if (strcmp(r->trigger, ev->type) != 0) continue;
        if (rule_table[i].match && !rule_table[i].match(ev)) continue;
        if (ctx.plan && !policy_rule_enabled(ctx.plan, r->id)) continue;
        Jiuye__Decision *d = decide(r, &ctx, ev, NULL, &failed);
        if (d) decision_list_add(out, d);
    }
    if (failed) return -1;
    /* A registration releases the events that waited for it (no rule above
     * makes any wait: the person is registered now). */
    if (ev->payload_case == JIUYE__EVENT__PAYLOAD_PERSON_REGISTERED && waiting &&
        pending_release(t, plans, ev->person_registered->cert_no, out) != 0)
        return -1;
    return 0;
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

int rule_param(const rule_ctx_t *ctx, Jiuye__Decision *d, const char *name, jdate_t on, policy_value_t *v) {
    if (!ctx->plan || policy_value_at(ctx->plan, name, d->district, on, v) != 0) {
        char day[DATE_STRLEN];
        decision_set(d, "ineligible", "方案 %s 缺少参数 %s（%s 起），无法认定，请运维核对方案文件",
                     ctx->plan ? policy_plan_id(ctx->plan) : "(无)", name, date_format(on, day));
        return -1;
    }
    decision_param(d, name, v);
    return 0;
}

/* Replay: registered as the replayed decision recorded it. Returns 1, 0 (it
 * recorded no registration: the caller looks now), or -1 (it recorded none:
 * replay.c never re-runs such a decision, see replay_skip_reason). */
static int registered_as_recorded(const rule_ctx_t *ctx, Jiuye__Decision *d) {
    const char *registered = json_string_value(json_object_get(ctx->replay_facts, "registered"));
    const char *on = json_string_value(json_object_get(ctx->replay_facts, "registered_on"));
    if (!registered) return 0;
    decision_fact(d, "registered", "%s", registered);
    if (strcmp(registered, "true") != 0) return -1;
    if (on) decision_fact(d, "registered_on", "%s", on);
    return 1;
}

int rule_require_registered(const rule_ctx_t *ctx, const Jiuye__Event *ev, const char *cert_no, Jiuye__Decision *d) {
    if (ctx->replay_facts) {
        int recorded = registered_as_recorded(ctx, d);
        if (recorded == 1) return 1;
        if (recorded < 0) {
            decision_set(d, "pending", "该残疾人尚未登记（重新评估不改变待定状态）");
            return 0;
        }
    }
    person_t person;
    int found = persons_find(ctx->txn, cert_no, &person);
    if (found < 0) return -1;
    decision_fact(d, "registered", "%s", found ? "true" : "false");
    if (found) {
        char reg[DATE_STRLEN];
        decision_fact(d, "registered_on", "%s", date_format(person.registered_on, reg));
        return 1;
    }
    if (ctx->replay_facts) { /* a replay waits for nobody: still not registered is ineligible */
        decision_set(d, "ineligible", "重新评估时该残疾人仍未登记，不予认定");
        return 0;
    }
    decision_set(d, "pending", "该残疾人尚未登记，待登记信息到达后判定（30 天内未到则不予认定）");
    return pending_hold(ctx->txn, ev, d, ctx->today) == 0 ? 0 : -1;
}

int rule_working_age(const rule_ctx_t *ctx, Jiuye__Decision *d, const char *cert_no, const char *what) {
    cert_info_t info;
    char err[128];
    if (cert_no_parse(cert_no, &info, err, sizeof err) != 0) { /* intake validated it */
        decision_set(d, "ineligible", "残疾人证号无效：%s", err);
        return 0;
    }
    int age = date_full_years(info.birth, ctx->occurred_on);
    decision_fact(d, "age", "%d", age);
    decision_fact(d, "sex", "%s", info.male ? "male" : "female");
    policy_value_t min_age, max_age;
    if (rule_param(ctx, d, "working_age_min", ctx->occurred_on, &min_age) != 0 ||
        rule_param(ctx, d, info.male ? "working_age_max_male" : "working_age_max_female", ctx->occurred_on,
                   &max_age) != 0)
        return -1;
    if (age < min_age.value || age > max_age.value) {
        decision_set(d, "ineligible", "%s时 %d 周岁，不在劳动年龄段（%lld-%lld 周岁）", what, age, (long long)min_age.value,
                     (long long)max_age.value);
        return 0;
    }
    return 1;
}
