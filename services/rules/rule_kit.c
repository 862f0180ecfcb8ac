/* rule_kit.c: what rule files share (see rules.h, "Shared helpers for rule
 * files"): decision lists, an event's subject, a plan's parameters, the
 * registration and working-age tests. Kept apart from the rule table, which
 * names the rule files: the rules call these, the table calls the rules. */
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ident.h"
#include "pending.h"
#include "persons.h"

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
