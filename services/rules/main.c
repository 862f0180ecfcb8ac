/* jiuye-rules: decides every rule an event triggers (POLICY.md §2-§3) and
 * passes the decisions, with the event, to the subsidy service. */
#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "http_decisions.h"
#include "link.h"
#include "log.h"
#include "pg.h"
#include "rules.h"
#include "svc.h"

typedef struct rules_svc {
    svc_t svc;
    policy_set_t plans;
    link_consumer_t *from_intake;
    link_producer_t *to_subsidy;
    unsigned long events, decisions;
} rules_svc_t;

static link_status_t on_event(void *ctx, PGconn *pg, const Jiuye__Envelope *env, char *err, size_t errlen) {
    rules_svc_t *rs = ctx;
    if (env->body_case != JIUYE__ENVELOPE__BODY_EVENT) {
        snprintf(err, errlen, "expected an event, got body %d", (int)env->body_case);
        return LINK_REJECT;
    }
    const Jiuye__Event *ev = env->event;
    Jiuye__Decision **ds = NULL;
    size_t n = 0;
    link_status_t st = LINK_OK;
    if (rules_apply(pg, &rs->plans, ev, &ds, &n) != 0) {
        st = PQstatus(pg) == CONNECTION_OK ? LINK_REJECT : LINK_RETRY;
        snprintf(err, errlen, "rules failed: %s", PQerrorMessage(pg));
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (decision_store(pg, ds[i]) != 0) {
            st = PQstatus(pg) == CONNECTION_OK ? LINK_REJECT : LINK_RETRY;
            snprintf(err, errlen, "storing decision %s failed", ds[i]->decision_id);
            goto out;
        }
    }
    if (n > 0) {
        char message_id[400];
        snprintf(message_id, sizeof message_id, "rules/%s/%s", ev->source, ev->event_id);
        Jiuye__Decided decided = JIUYE__DECIDED__INIT;
        decided.event = (Jiuye__Event *)ev;
        decided.n_decisions = n;
        decided.decisions = ds;
        Jiuye__Envelope out = JIUYE__ENVELOPE__INIT;
        out.message_id = message_id;
        out.producer = "rules";
        out.body_case = JIUYE__ENVELOPE__BODY_DECIDED;
        out.decided = &decided;
        if (link_outbox_put(pg, "rules", &out) != 0) {
            st = PQstatus(pg) == CONNECTION_OK ? LINK_REJECT : LINK_RETRY;
            snprintf(err, errlen, "outbox insert failed");
            goto out;
        }
    }
    rs->events++;
    rs->decisions += n;
out:
    for (size_t i = 0; i < n; i++) decision_free(ds[i]);
    free(ds);
    return st;
}

static void on_committed(void *ctx) {
    rules_svc_t *rs = ctx;
    link_producer_pump(rs->to_subsidy);
}

static void rules_metrics(void *ctx, struct evbuffer *out) {
    rules_svc_t *rs = ctx;
    svc_metric(out, "jiuye_rules_events_total", NULL, (double)rs->events);
    svc_metric(out, "jiuye_decisions_total", NULL, (double)rs->decisions);
    svc_metric(out, "jiuye_link_backlog", "link=\"rules->subsidy\"", (double)link_producer_backlog(rs->to_subsidy));
}

int main(void) {
    static rules_svc_t rs;
    int rc = 1;
    char err[512];
    log_init("rules");
    const char *dir = config_str("JIUYE_POLICY_DIR", "ops/policy");
    if (policy_set_load_dir(&rs.plans, dir, err, sizeof err) != 0) {
        log_error("policy: %s", err);
        return 2;
    }
    for (size_t i = 0; i < rs.plans.n; i++)
        log_info("plan %s loaded (sha256 %s)", policy_plan_id(rs.plans.plans[i]), policy_plan_sha256(rs.plans.plans[i]));
    if (svc_init(&rs.svc, "rules", "jiuye_rules", "RULES_DB_PASSWORD", "RULES_HTTP_PORT", 8081) != 0) goto out;
    const char *subsidy = config_str("SUBSIDY_ZMQ", "tcp://127.0.0.1:5552");
    const char *bind = config_str("RULES_ZMQ_BIND", config_str("RULES_ZMQ", "tcp://127.0.0.1:5551"));
    rs.to_subsidy = link_producer_new(rs.svc.base, rs.svc.pg, "rules->subsidy", "rules", subsidy);
    rs.from_intake = link_consumer_new(rs.svc.base, rs.svc.pg, "intake->rules", "rules", bind, on_event, on_committed, &rs);
    if (!rs.to_subsidy || !rs.from_intake) goto out;
    rs.svc.metrics = rules_metrics;
    rs.svc.metrics_ctx = &rs;
    svc_route(&rs.svc, "/v1/decisions", http_decisions, rs.svc.pg);
    link_producer_pump(rs.to_subsidy);
    rc = svc_run(&rs.svc);
out:
    link_consumer_destroy(&rs.from_intake);
    link_producer_destroy(&rs.to_subsidy);
    svc_destroy(&rs.svc);
    policy_set_clear(&rs.plans);
    return rc;
}
