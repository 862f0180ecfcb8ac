/* jiuye-subsidy: turns eligible decisions into awards to the fen, keeps the
 * ledger's limits, and passes decisions and awards to the notify service. */
#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "http_awards.h"
#include "link.h"
#include "log.h"
#include "programs.h"
#include "svc.h"

typedef struct subsidy_svc {
    svc_t svc;
    link_consumer_t *from_rules;
    link_producer_t *to_notify;
    unsigned long settled, awards;
} subsidy_svc_t;

static link_status_t on_decided(void *ctx, PGconn *pg, const Jiuye__Envelope *env, char *err, size_t errlen) {
    subsidy_svc_t *ss = ctx;
    if (env->body_case != JIUYE__ENVELOPE__BODY_DECIDED) {
        snprintf(err, errlen, "expected decisions, got body %d", (int)env->body_case);
        return LINK_REJECT;
    }
    const Jiuye__Decided *decided = env->decided;
    award_list_t awards = {0};
    link_status_t st = LINK_OK;
    if (programs_settle(pg, decided, &awards, err, errlen) != 0) {
        st = PQstatus(pg) == CONNECTION_OK ? LINK_REJECT : LINK_RETRY;
        goto out;
    }
    char message_id[400];
    snprintf(message_id, sizeof message_id, "subsidy/%s", env->message_id);
    Jiuye__Settled settled = JIUYE__SETTLED__INIT;
    settled.n_decisions = decided->n_decisions;
    settled.decisions = decided->decisions;
    settled.n_awards = awards.n;
    settled.awards = awards.items;
    Jiuye__Envelope out = JIUYE__ENVELOPE__INIT;
    out.message_id = message_id;
    out.producer = "subsidy";
    out.body_case = JIUYE__ENVELOPE__BODY_SETTLED;
    out.settled = &settled;
    if (link_outbox_put(pg, "subsidy", &out) != 0) {
        st = PQstatus(pg) == CONNECTION_OK ? LINK_REJECT : LINK_RETRY;
        snprintf(err, errlen, "outbox insert failed");
        goto out;
    }
    ss->settled++;
    ss->awards += awards.n;
out:
    award_list_clear(&awards);
    return st;
}

static void on_committed(void *ctx) {
    subsidy_svc_t *ss = ctx;
    link_producer_pump(ss->to_notify);
}

static void subsidy_metrics(void *ctx, struct evbuffer *out) {
    subsidy_svc_t *ss = ctx;
    svc_metric(out, "jiuye_settled_total", NULL, (double)ss->settled);
    svc_metric(out, "jiuye_awards_total", NULL, (double)ss->awards);
    svc_metric(out, "jiuye_link_backlog", "link=\"subsidy->notify\"", (double)link_producer_backlog(ss->to_notify));
}

int main(void) {
    static subsidy_svc_t ss;
    int rc = 1;
    if (svc_init(&ss.svc, "subsidy", "jiuye_subsidy", "SUBSIDY_DB_PASSWORD", "SUBSIDY_HTTP_PORT", 8082) != 0) goto out;
    const char *notify = config_str("NOTIFY_ZMQ", "tcp://127.0.0.1:5553");
    const char *bind = config_str("SUBSIDY_ZMQ_BIND", config_str("SUBSIDY_ZMQ", "tcp://127.0.0.1:5552"));
    ss.to_notify = link_producer_new(ss.svc.base, ss.svc.pg, "subsidy->notify", "subsidy", notify);
    ss.from_rules =
        link_consumer_new(ss.svc.base, ss.svc.pg, "rules->subsidy", "subsidy", bind, on_decided, on_committed, &ss);
    if (!ss.to_notify || !ss.from_rules) goto out;
    ss.svc.metrics = subsidy_metrics;
    ss.svc.metrics_ctx = &ss;
    svc_route(&ss.svc, "/v1/awards", http_awards, ss.svc.pg);
    link_producer_pump(ss.to_notify);
    rc = svc_run(&ss.svc);
out:
    link_consumer_destroy(&ss.from_rules);
    link_producer_destroy(&ss.to_notify);
    svc_destroy(&ss.svc);
    return rc;
}
