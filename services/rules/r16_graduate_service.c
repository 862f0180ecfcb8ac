/* r16_graduate_service.c: R16 GRADUATE_SERVICE 残疾人高校毕业生就业服务 (plan 二(二)7).
 * A graduate who registers wanting a job is owed graduate guidance within 30
 * days: a durable timer due the day after the deadline, cancelled by a
 * service.delivered graduate_guidance in time (state.c). */
#include <stdio.h>

#include "rules.h"
#include "timers.h"

rule_result_t r16_graduate_service(const rule_ctx_t *ctx, const Jiuye__Event *ev, Jiuye__Decision *d) {
    const Jiuye__GraduateRegistered *g = ev->graduate_registered;
    policy_value_t days;
    if (rule_param(ctx, d, "r16_guidance_days", ctx->occurred_on, &days) != 0) return RULE_DECIDED;
    char timer_id[300];
    snprintf(timer_id, sizeof timer_id, "r16/%s/%s", ev->source, ev->event_id);
    if (timers_schedule(ctx->pg, timer_id, "r16_deadline", ctx->occurred_on + (jdate_t)days.value + 1, g->cert_no, ev,
                        "graduate_guidance") != 0)
        return RULE_ERROR;
    return RULE_NONE;
}

int r16_deadline_fire(const rule_ctx_t *ctx, const Jiuye__Event *ev, const char *service, decision_list_t *out) {
    static const char *const audience[] = {"cdpf", "education", NULL};
    return service_deadline_fire(ctx, ev, ev->graduate_registered->cert_no, service, "R16", "GRADUATE_SERVICE",
                                 "二(二)7", audience, "r16_guidance_days", out);
}
