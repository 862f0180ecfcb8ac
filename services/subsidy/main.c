/* jiuye-subsidy: turns eligible decisions into awards to the fen, keeps the
 * ledger's limits and the yearly budgets of the plan files (JIUYE_POLICY_DIR;
 * kill -HUP reloads them between two messages), counts the plan targets, and
 * passes decisions and awards to the notify service. */
#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "award_rows.h"
#include "budget.h"
#include "claims.h"
#include "access.h"
#include "config.h"
#include "http_awards.h"
#include "http_kpi.h"
#include "kpi.h"
#include "link.h"
#include "log.h"
#include "metric.h"
#include "pg.h"
#include "policy.h"
#include "programs.h"
#include "settled.h"
#include "svc.h"

typedef struct subsidy_svc {
    svc_t svc;
    link_consumer_t *from_rules;
    link_producer_t *to_notify;
    const char *policy_dir;
    policy_set_t plans; /* for their budgets */
    struct event *sighup;
    /* What the consumer's transaction keeps (txn.h), made once. */
    pg_rows_kept_t *award_rows;
    settled_t *settled_ahead;
    claims_ahead_t *claims_ahead;
    unsigned long settled, awards, reloads, reload_failures;
} subsidy_svc_t;

static link_status_t on_decided(void *ctx, txn_t *t, const Jiuye__Envelope *env, char *err, size_t errlen) {
    subsidy_svc_t *ss = ctx;
    PGconn *pg = txn_pg(t);
    if (env->body_case != JIUYE__ENVELOPE__BODY_DECIDED) {
        snprintf(err, errlen, "expected decisions, got body %d", (int)env->body_case);
        return LINK_REJECT;
    }
    const Jiuye__Decided *decided = env->decided;
    award_list_t awards = {0};
    link_status_t st = LINK_OK;
    size_t n_fresh = 0;
    Jiuye__Decision **fresh = calloc(decided->n_decisions + 1, sizeof *fresh);
    if (!fresh) abort();
    if (kpi_record_employment(pg, decided->event) != 0 ||
        programs_settle(t, decided, &awards, fresh, &n_fresh, err, errlen) != 0) {
        st = PQstatus(pg) == CONNECTION_OK ? LINK_REJECT : LINK_RETRY;
        goto out;
    }
    if (n_fresh == 0) goto out; /* every decision settled before: nothing new to tell */
    /* The decisions of claims a late, earlier-dated one moved travel with their new awards. */
    Jiuye__Decision **grown = realloc(fresh, (n_fresh + awards.n_moved + 1) * sizeof *fresh);
    if (!grown) abort();
    fresh = grown;
    for (size_t i = 0; i < awards.n_moved; i++) {
        size_t k = 0;
        while (k < n_fresh && strcmp(fresh[k]->decision_id, awards.moved[i]->decision_id) != 0) k++;
        if (k == n_fresh) fresh[n_fresh++] = awards.moved[i];
    }
    char message_id[400];
    snprintf(message_id, sizeof message_id, "subsidy/%s", env->message_id);
    Jiuye__Settled settled = JIUYE__SETTLED__INIT;
    settled.n_decisions = n_fresh;
    settled.decisions = fresh;
    settled.n_awards = awards.n;
    settled.awards = awards.items;
    Jiuye__Envelope out = JIUYE__ENVELOPE__INIT;
    out.message_id = message_id;
    out.producer = "subsidy";
    out.body_case = JIUYE__ENVELOPE__BODY_SETTLED;
    out.settled = &settled;
    if (link_outbox_put(t, "subsidy", &out) != 0) {
        st = PQstatus(pg) == CONNECTION_OK ? LINK_REJECT : LINK_RETRY;
        snprintf(err, errlen, "outbox insert failed");
        goto out;
    }
    ss->settled++;
    ss->awards += awards.n;
out:
    award_list_clear(&awards);
    free(fresh);
    return st;
}

/* SIGHUP: runs between two messages, so no award sees half a reload; a bad
 * file keeps the budgets in force. */
static void on_sighup(evutil_socket_t fd, short what, void *arg) {
    (void)fd, (void)what;
    subsidy_svc_t *ss = arg;
    if (policy_set_reload(&ss->plans, ss->policy_dir) != 0) {
        ss->reload_failures++;
        return;
    }
    budget_use(&ss->plans);
    ss->reloads++;
}

static void on_committed(void *ctx) {
    subsidy_svc_t *ss = ctx;
    link_producer_pump(ss->to_notify);
}

/* Fast mode: the decisions of every message recorded as settled with one
 * statement before the first is settled (settled.h), and what the claims of
 * the transaction need to know of their limits read with another (claims.h). */
static int read_ahead(void *ctx, txn_t *t, const Jiuye__Envelope *const *envs, size_t n) {
    (void)ctx;
    if (txn_careful(t)) return 0; /* each message records its own, under its savepoint */
    const Jiuye__Decided *msgs[LINK_BATCH];
    size_t k = 0;
    for (size_t i = 0; i < n && k < LINK_BATCH; i++)
        if (envs[i]->body_case == JIUYE__ENVELOPE__BODY_DECIDED) msgs[k++] = envs[i]->decided;
    if (settled_ahead(t, msgs, k) != 0) return -1;
    return programs_read_ahead(t, msgs, k);
}

static void subsidy_metrics(void *ctx, struct evbuffer *out) {
    subsidy_svc_t *ss = ctx;
    metric_sample(out, "jiuye_settled_total", NULL, (double)ss->settled);
    metric_sample(out, "jiuye_awards_total", NULL, (double)ss->awards);
    claims_metrics(out);
    metric_sample(out, "jiuye_policy_reloads_total", "result=\"ok\"", (double)ss->reloads);
    metric_sample(out, "jiuye_policy_reloads_total", "result=\"refused\"", (double)ss->reload_failures);
    link_producer_metrics(ss->to_notify, out);
    link_consumer_metrics(ss->from_rules, out);
}

/* Awards name persons: staff of their district and operators. The KPI holds
 * counts and sums only: staff of any district and operators. */
static const svc_route_t subsidy_routes[] = {
    {.path = "/v1/awards", .get = ACCESS_STAFF | ACCESS_OPERATOR, .fn = http_awards},
    {.path = "/v1/kpi", .get = ACCESS_STAFF | ACCESS_OPERATOR, .fn = http_kpi},
};

int main(int argc, char **argv) {
    static subsidy_svc_t ss;
    int rc = 1;
    log_init("subsidy");
    if (svc_routes(&ss.svc, subsidy_routes, sizeof subsidy_routes / sizeof subsidy_routes[0], &ss.svc) != 0) return 1;
    int cli = svc_cli(&ss.svc, argc, argv);
    if (cli >= 0) return cli;
    ss.policy_dir = config_str("JIUYE_POLICY_DIR", "ops/policy");
    if (policy_set_load_logged(&ss.plans, ss.policy_dir) != 0) return 2;
    budget_use(&ss.plans);
    if (svc_init(&ss.svc, "subsidy", "jiuye_subsidy", "SUBSIDY_DB_PASSWORD", "SUBSIDY_HTTP_PORT", 8082) != 0) goto out;
    if (claims_open(ss.svc.pg) != 0) goto out;
    const char *notify = config_str("NOTIFY_ZMQ", "tcp://127.0.0.1:5553");
    const char *bind = config_str("SUBSIDY_ZMQ_BIND", config_str("SUBSIDY_ZMQ", "tcp://127.0.0.1:5552"));
    ss.to_notify = link_producer_new(ss.svc.base, svc_queue_connect(&ss.svc), "subsidy->notify", "subsidy", notify);
    ss.from_rules =
        link_consumer_new(ss.svc.base, ss.svc.pg, "rules->subsidy", "subsidy", bind, on_decided, on_committed, &ss);
    if (ss.from_rules) {
        txn_t *t = link_consumer_txn(ss.from_rules);
        ss.award_rows = award_rows_new();
        ss.settled_ahead = settled_new();
        ss.claims_ahead = claims_ahead_new();
        txn_join(t, &award_rows_part, ss.award_rows);
        txn_join(t, &settled_part, ss.settled_ahead);
        txn_join(t, &claims_ahead_part, ss.claims_ahead);
        link_consumer_on_begin(ss.from_rules, read_ahead);
    }
    ss.sighup = evsignal_new(ss.svc.base, SIGHUP, on_sighup, &ss);
    if (!ss.to_notify || !ss.from_rules || !ss.sighup) goto out;
    event_add(ss.sighup, NULL);
    ss.svc.metrics = subsidy_metrics;
    ss.svc.metrics_ctx = &ss;
    link_producer_pump(ss.to_notify);
    rc = svc_run(&ss.svc);
out:
    if (ss.sighup) event_free(ss.sighup);
    link_consumer_destroy(&ss.from_rules);
    pg_rows_kept_destroy(&ss.award_rows);
    settled_destroy(&ss.settled_ahead);
    claims_ahead_destroy(&ss.claims_ahead);
    link_producer_destroy(&ss.to_notify);
    svc_destroy(&ss.svc);
    budget_use(NULL);
    policy_set_clear(&ss.plans);
    return rc;
}
