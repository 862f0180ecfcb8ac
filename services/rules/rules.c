/* rules.c: the rule table and the dispatcher (see rules.h). */
#include "rules.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "persons.h"

static const char *const aud_cdpf_hrss[] = {"cdpf", "hrss", NULL};

/* POLICY.md §3. Rules not yet implemented are absent: an event they would
 * trigger gets no decision from them (their issues add them here). */
static const rule_def_t rule_table[] = {
    {"R01", "TRAINING_SUBSIDY", "二(三)9", "training.completed", aud_cdpf_hrss, r01_training_subsidy},
};

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

/* State the rules keep, updated before deciding. */
static int update_state(PGconn *pg, const Jiuye__Event *ev) {
    if (ev->payload_case == JIUYE__EVENT__PAYLOAD_PERSON_REGISTERED) return persons_register(pg, ev);
    return 0;
}

int rules_apply(PGconn *pg, const policy_set_t *plans, const Jiuye__Event *ev, Jiuye__Decision ***out,
                size_t *n_out) {
    jdate_t on;
    if (date_parse(ev->occurred_on, &on) != 0) return -1; /* intake validated it */
    if (update_state(pg, ev) != 0) return -1;
    rule_ctx_t ctx = {pg, policy_for_date(plans, on), on};
    for (size_t i = 0; i < sizeof rule_table / sizeof *rule_table; i++) {
        const rule_def_t *r = &rule_table[i];
        if (strcmp(r->trigger, ev->type) != 0) continue;
        if (ctx.plan && !policy_rule_enabled(ctx.plan, r->id)) continue;
        Jiuye__Decision *d = decision_new(ev, r->id, r->name, r->clause, r->audience, rules_event_subject(ev));
        if (!ctx.plan) {
            /* POLICY.md §2: outside every loaded plan, never a silent default. */
            decision_set(d, "not_in_force", "事件日期 %s 不在任何已加载方案的有效期内，不予认定", ev->occurred_on);
        } else if (r->decide(&ctx, ev, d) != 0) {
            decision_free(d);
            return -1;
        }
        Jiuye__Decision **grown = realloc(*out, (*n_out + 1) * sizeof **out);
        if (!grown) abort();
        *out = grown;
        (*out)[(*n_out)++] = d;
    }
    return 0;
}
