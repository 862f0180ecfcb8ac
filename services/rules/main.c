/* jiuye-rules: decides every rule an event triggers (docs/policy.md §2-§3), keeps
 * the durable timers, and passes the decisions, with the event, to the
 * subsidy service. kill -HUP reloads the plan files between two messages. */
#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "config.h"
#include "decision.h"
#include "emit.h"
#include "event_rows.h"
#include "http_decisions.h"
#include "http_replay.h"
#include "http_vacancies.h"
#include "link.h"
#include "log.h"
#include "metric.h"
#include "persons.h"
#include "pg.h"
#include "replay.h"
#include "rules.h"
#include "svc.h"
#include "timers.h"

#define TIMER_BATCH 500 /* timers fired per tick, so messages are not held back */

typedef struct rules_svc {
    svc_t svc;
    const char *policy_dir;
    policy_set_t plans;
    link_consumer_t *from_intake;
    link_producer_t *to_subsidy;
    struct event *tick, *sighup;
    http_replay_ctx_t replay;
    /* What the consumer's transaction keeps (txn.h), made once. */
    pg_rows_kept_t *decision_rows, *event_rows;
    persons_t *persons;
    unsigned long events, decisions, timers_fired, reloads, reload_failures, replays, replay_decisions;
} rules_svc_t;

static link_status_t on_event(void *ctx, txn_t *t, const Jiuye__Envelope *env, char *err, size_t errlen) {
    rules_svc_t *rs = ctx;
    PGconn *pg = txn_pg(t);
    if (env->body_case != JIUYE__ENVELOPE__BODY_EVENT) {
        snprintf(err, errlen, "expected an event, got body %d", (int)env->body_case);
        return LINK_REJECT;
    }
    const Jiuye__Event *ev = env->event;
    decision_list_t decided = {0};
    link_status_t st = LINK_OK;
    char message_id[400];
    snprintf(message_id, sizeof message_id, "rules/%s/%s", ev->source, ev->event_id);
    if (rules_apply(t, &rs->plans, ev, &decided) != 0 || decisions_emit(t, ev, &decided, message_id) != 0) {
        st = PQstatus(pg) == CONNECTION_OK ? LINK_REJECT : LINK_RETRY;
        snprintf(err, errlen, "deciding %s/%s failed: %s", ev->source, ev->event_id, PQerrorMessage(pg));
    } else {
        rs->events++;
        rs->decisions += decided.n;
    }
    decision_list_clear(&decided);
    return st;
}

/* Before the handlers of a transaction: the registry rows of the persons its
 * events are about, with one statement (persons.h); a read, right in either mode. */
static int prefetch_persons(void *ctx, txn_t *t, const Jiuye__Envelope *const *envs, size_t n) {
    (void)ctx;
    const char *cert_nos[LINK_BATCH];
    size_t k = 0;
    for (size_t i = 0; i < n && k < LINK_BATCH; i++) {
        if (envs[i]->body_case != JIUYE__ENVELOPE__BODY_EVENT) continue;
        const char *subject = rules_event_subject(envs[i]->event); /* an employer's code finds no row: harmless */
        if (*subject) cert_nos[k++] = subject;
    }
    return persons_cache_begin(t, cert_nos, k);
}

static void on_committed(void *ctx) {
    rules_svc_t *rs = ctx;
    link_producer_pump(rs->to_subsidy);
}

/* Fire due timers: at start (catch-up after downtime) and every second. */
static void on_tick(evutil_socket_t fd, short what, void *arg) {
    (void)fd, (void)what;
    rules_svc_t *rs = arg;
    if (!pg_alive(rs->svc.pg)) return;
    int fired = timers_fire_due(rs->svc.pg, &rs->plans, date_today(), TIMER_BATCH);
    if (fired > 0) {
        rs->timers_fired += (unsigned long)fired;
        link_producer_pump(rs->to_subsidy);
    }
}

/* SIGHUP: the callback runs between messages, so no decision sees half a reload;
 * a bad file keeps the plans in force. */
static void on_sighup(evutil_socket_t fd, short what, void *arg) {
    (void)fd, (void)what;
    rules_svc_t *rs = arg;
    if (policy_set_reload(&rs->plans, rs->policy_dir) == 0)
        rs->reloads++;
    else
        rs->reload_failures++;
}

/* A replay committed corrective decisions: count them and send them on. */
static void on_replayed(void *arg, size_t decisions) {
    rules_svc_t *rs = arg;
    rs->replays++;
    rs->replay_decisions += decisions;
    link_producer_pump(rs->to_subsidy);
}

static void rules_metrics(void *ctx, struct evbuffer *out) {
    rules_svc_t *rs = ctx;
    metric_sample(out, "jiuye_rules_events_total", NULL, (double)rs->events);
    metric_sample(out, "jiuye_decisions_total", NULL, (double)rs->decisions);
    metric_sample(out, "jiuye_timers_fired_total", NULL, (double)rs->timers_fired);
    metric_sample(out, "jiuye_replays_with_corrections_total", NULL, (double)rs->replays);
    metric_sample(out, "jiuye_replay_decisions_total", NULL, (double)rs->replay_decisions);
    metric_sample(out, "jiuye_policy_reloads_total", "result=\"ok\"", (double)rs->reloads);
    metric_sample(out, "jiuye_policy_reloads_total", "result=\"refused\"", (double)rs->reload_failures);
    unsigned long cached, asked;
    persons_lookups(rs->persons, &cached, &asked);
    metric_sample(out, "jiuye_rules_person_lookups_total", "answered_by=\"transaction_cache\"", (double)cached);
    metric_sample(out, "jiuye_rules_person_lookups_total", "answered_by=\"database\"", (double)asked);
    link_producer_metrics(rs->to_subsidy, out);
    link_consumer_metrics(rs->from_intake, out);
}

/* Routes whose handlers take the svc_t. The vacancy feed and its counts hold
 * no personal data (vacancies are employers' offers): open to all. */
static const svc_route_t rules_routes[] = {
    {.path = "/v1/decisions", .get = ACCESS_STAFF | ACCESS_OPERATOR, .fn = http_decisions},
    {.path = "/v1/vacancies", .get = ACCESS_PUBLIC, .fn = http_vacancies},
    {.path = "/v1/vacancies/kpi", .get = ACCESS_PUBLIC, .fn = http_vacancies_kpi},
};
/* The replay's handler takes its http_replay_ctx_t. */
static const svc_route_t replay_routes[] = {
    {.path = "/v1/replay", .post = ACCESS_OPERATOR, .fn = http_replay},
};

int main(int argc, char **argv) {
    static rules_svc_t rs;
    int rc = 1;
    log_init("rules");
    if (svc_routes(&rs.svc, rules_routes, sizeof rules_routes / sizeof rules_routes[0], &rs.svc) != 0 ||
        svc_routes(&rs.svc, replay_routes, sizeof replay_routes / sizeof replay_routes[0], &rs.replay) != 0)
        return 1;
    int cli = svc_cli(&rs.svc, argc, argv);
    if (cli >= 0) return cli;
    rs.policy_dir = config_str("JIUYE_POLICY_DIR", "ops/policy");
    if (policy_set_load_logged(&rs.plans, rs.policy_dir) != 0) return 2;
    if (svc_init(&rs.svc, "rules", "jiuye_rules", "RULES_DB_PASSWORD", "RULES_HTTP_PORT", 8081) != 0) goto out;
    const char *subsidy = config_str("SUBSIDY_ZMQ", "tcp://127.0.0.1:5552");
    const char *bind = config_str("RULES_ZMQ_BIND", config_str("RULES_ZMQ", "tcp://127.0.0.1:5551"));
    rs.to_subsidy = link_producer_new(rs.svc.base, svc_queue_connect(&rs.svc), "rules->subsidy", "rules", subsidy);
    rs.from_intake = link_consumer_new(rs.svc.base, rs.svc.pg, "intake->rules", "rules", bind, on_event, on_committed, &rs);
    if (rs.from_intake) {
        txn_t *t = link_consumer_txn(rs.from_intake);
        rs.event_rows = event_rows_new();
        rs.decision_rows = decision_rows_new();
        rs.persons = persons_new();
        txn_join(t, &event_rows_part, rs.event_rows);
        txn_join(t, &decision_rows_part, rs.decision_rows);
        txn_join(t, &persons_part, rs.persons);
        link_consumer_on_begin(rs.from_intake, prefetch_persons);
    }
    rs.tick = event_new(rs.svc.base, -1, EV_PERSIST, on_tick, &rs);
    rs.sighup = evsignal_new(rs.svc.base, SIGHUP, on_sighup, &rs);
    if (!rs.to_subsidy || !rs.from_intake || !rs.tick || !rs.sighup) goto out;
    struct timeval second = {1, 0};
    event_add(rs.tick, &second);
    event_add(rs.sighup, NULL);
    event_active(rs.tick, 0, 0); /* catch up at once on timers due while we were down */
    rs.svc.metrics = rules_metrics;
    rs.svc.metrics_ctx = &rs;
    rs.replay = (http_replay_ctx_t){rs.svc.pg, &rs.plans, on_replayed, &rs};
    link_producer_pump(rs.to_subsidy);
    rc = svc_run(&rs.svc);
out:
    if (rs.tick) event_free(rs.tick);
    if (rs.sighup) event_free(rs.sighup);
    link_consumer_destroy(&rs.from_intake);
    pg_rows_kept_destroy(&rs.event_rows);
    pg_rows_kept_destroy(&rs.decision_rows);
    persons_destroy(&rs.persons);
    link_producer_destroy(&rs.to_subsidy);
    svc_destroy(&rs.svc);
    policy_set_clear(&rs.plans);
    return rc;
}
