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

static const char *const aud_cdpf_hrss[] = {"cdpf", "hrss", NULL};
static const char *const aud_hrss_cdpf[] = {"hrss", "cdpf", NULL};
static const char *const aud_cdpf_health[] = {"cdpf", "health", NULL};
static const char *const aud_cdpf_finance[] = {"cdpf", "finance", NULL};
static const char *const aud_edu_hrss[] = {"education", "hrss", NULL};
static const char *const aud_quota[] = {"cdpf", "finance", "tax", NULL};
static const char *const aud_r10[] = {"org", "staffing", "cdpf", NULL};
static const char *const aud_r11[] = {"sasac", "cdpf", NULL};
static const char *const aud_hrss[] = {"hrss", NULL};
static const char *const aud_civil[] = {"civil", NULL};
static const char *const aud_cdpf[] = {"cdpf", NULL};
static const char *const aud_cdpf_edu[] = {"cdpf", "education", NULL};

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

/* POLICY.md §3, in its order. */
static const struct {
    rule_def_t def;
    rule_match_fn match; /* NULL: every event of the trigger type */
} rule_table[] = {
    {{"R01", "R01", "TRAINING_SUBSIDY", "二(三)9", "training.completed", aud_cdpf_hrss, 0, r01_training_subsidy, 0}, NULL},
    {{"R02", "R02", "BLIND_MASSAGE_TRAINING", "二(二)8", "training.completed", aud_cdpf_health, 0,
      r02_blind_massage_training, 0}, is_blind_massage},
    {{"R03", "R03", "BLIND_TUITION", "二(二)8", "education.enrolled", aud_cdpf_finance, 0, r03_blind_tuition, 0}, NULL},
    {{"R04", "R04", "PUBLIC_WELFARE_POST", "二(二)5", "employment.started", aud_hrss_cdpf, 0, r04_public_welfare_post, 0},
     is_public_welfare_post},
    {{"R04", "R04", "PUBLIC_WELFARE_POST", "二(二)5", "employment.ended", aud_hrss_cdpf, 1, r04_post_ended, 0}, NULL},
    {{"R05", "R05", "GRADUATE_JOBSEEK", "二(二)7", "graduate.registered", aud_edu_hrss, 0, r05_graduate_jobseek, 0}, NULL},
    {{"R06", "R06", "INTERNSHIP", "二(二)7", "internship.completed", aud_hrss_cdpf, 0, r06_internship, 0}, NULL},
    {{"R07", "R07", "STARTUP", "一(一)3", "business.started", aud_hrss_cdpf, 0, r07_startup, 0}, NULL},
    {{"R07-loan", "R07", "STARTUP", "一(一)3", "business.started", aud_hrss_cdpf, 0, r07_startup_loan, 0}, NULL},
    {{"R08", "R08", "AGENCY_PLACEMENT", "二(三)10", "employment.started", aud_hrss_cdpf, 0, r08_agency_placement, 0},
     is_agency_placement},
    {{"R08", "R08", "AGENCY_PLACEMENT", "二(三)10", "employment.ended", aud_hrss_cdpf, 1, r08_placement_ended, 0}, NULL},
    {{"R09", "R09", "EMPLOYER_QUOTA", "三(二)", "employer.annual_report", aud_quota, 0, r09_employer_quota, 0}, NULL},
    {{"R10", "R10", "INSTITUTION_MUST_HIRE", "一(一)1", "employer.annual_report", aud_r10, 0, r10_institution_must_hire, 0},
     is_public_body},
    {{"R11", "R11", "SOE_RECRUITMENT", "一(一)2", "recruitment.plan", aud_r11, 0, r11_soe_recruitment, 0}, is_soe_plan},
    {{"R12", "R12", "PWP_RATIO", "二(二)5", "public_welfare_posts.created", aud_hrss, 0, r12_pwp_ratio, 0}, NULL},
    {{"R13", "R13", "HARD_TO_EMPLOY", "二(二)5", "person.registered", aud_cdpf_hrss, 0, r13_hard_to_employ, 0},
     is_hard_to_employ},
    {{"R14", "R14", "LOW_INCOME_EXEMPTION", "二(二)5", "employment.started", aud_civil, 0, r14_low_income_exemption, 0},
     is_auxiliary},
    {{"R15", "R15", "FOUR_ONE_SERVICE", "二(三)10", "person.registered", aud_cdpf, 0, r15_four_one_service, 0},
     is_unemployed},
    {{"R16", "R16", "GRADUATE_SERVICE", "二(二)7", "graduate.registered", aud_cdpf_edu, 0, r16_graduate_service, 0},
     graduate_wants_job},
    {{"R17", "R17", "VACANCY_MATCH", "二(三)10", "vacancy.posted", aud_cdpf_hrss, 0, r17_vacancy_posted, 0}, NULL},
    {{"R17", "R17", "VACANCY_MATCH", "二(三)10", "person.registered", aud_cdpf_hrss, 0, r17_person_match, 1},
     is_job_seeker},
    {{"R17", "R17", "VACANCY_MATCH", "二(三)10", "training.completed", aud_cdpf_hrss, 0, r17_person_match, 1}, NULL},
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
