/* jiuye-notify: turns decisions and awards into notifications for the
 * departments each rule names, serves the staff inbox (paging, acknowledgement,
 * a live SSE stream) and the staff web console (console.h), and delivers each
 * notification to the webhook and email
 * subscriptions that match it. */
#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "console.h"
#include "delivery.h"
#include "http_audit.h"
#include "http_inbox.h"
#include "link.h"
#include "log.h"
#include "metric.h"
#include "notice.h"
#include "pg.h"
#include "stream.h"
#include "svc.h"

typedef struct notify_svc {
    svc_t svc;
    link_consumer_t *from_subsidy;
    delivery_worker_t *deliveries;
    stream_hub_t *streams;
    console_t *console;
    notices_t *notices; /* what the consumer's transaction keeps (txn.h) */
    unsigned long notifications;
} notify_svc_t;

/* Notifications are kept by the transaction's notices_t (notice.h): one statement per transaction. */
static link_status_t on_settled(void *ctx, txn_t *t, const Jiuye__Envelope *env, char *err, size_t errlen) {
    (void)ctx;
    if (env->body_case != JIUYE__ENVELOPE__BODY_SETTLED) {
        snprintf(err, errlen, "expected settled decisions, got body %d", (int)env->body_case);
        return LINK_REJECT;
    }
    if (notice_keep_settled(t, env->settled) < 0) {
        snprintf(err, errlen, "storing its notifications failed");
        return PQstatus(txn_pg(t)) == CONNECTION_OK ? LINK_REJECT : LINK_RETRY;
    }
    return LINK_OK;
}

/* After a commit: new notifications may have deliveries due and streams to feed. */
static void on_committed(void *ctx) {
    notify_svc_t *ns = ctx;
    long stored = notices_take_stored(ns->notices);
    if (stored == 0) return;
    ns->notifications += (unsigned long)stored;
    delivery_worker_wake(ns->deliveries);
    stream_hub_wake(ns->streams);
}

static void notify_metrics(void *ctx, struct evbuffer *out) {
    notify_svc_t *ns = ctx;
    metric_sample(out, "jiuye_notifications_total", NULL, (double)ns->notifications);
    delivery_worker_metrics(ns->deliveries, out);
    stream_hub_metrics(ns->streams, out);
    link_consumer_metrics(ns->from_subsidy, out);
}

/* Staff read and acknowledge within their district and department, operators
 * everything; the access log is for auditors alone. The console's routes are its own
 * table (console.h). */
static const svc_route_t notify_routes[] = {
    {.path = "/v1/notifications", .get = ACCESS_STAFF | ACCESS_OPERATOR, .fn = http_inbox},
    {.path = "/v1/notifications/{id}/ack", .post = ACCESS_STAFF | ACCESS_OPERATOR, .fn = http_inbox_ack},
    {.path = "/v1/audit", .get = ACCESS_AUDITOR, .fn = http_audit},
};
static const svc_route_t stream_routes[] = {
    {.path = "/v1/notifications/stream", .get = ACCESS_STAFF | ACCESS_OPERATOR, .fn = stream_handle},
};

int main(int argc, char **argv) {
    static notify_svc_t ns;
    int rc = 1;
    if (svc_routes(&ns.svc, notify_routes, sizeof notify_routes / sizeof notify_routes[0], &ns.svc) != 0 ||
        svc_routes(&ns.svc, stream_routes, sizeof stream_routes / sizeof stream_routes[0], &ns.streams) != 0 ||
        console_routes(&ns.svc, &ns.console) != 0)
        return 1;
    int cli = svc_cli(&ns.svc, argc, argv);
    if (cli >= 0) return cli;
    if (svc_init(&ns.svc, "notify", "jiuye_notify", "NOTIFY_DB_PASSWORD", "NOTIFY_HTTP_PORT", 8083) != 0) goto out;
    ns.deliveries = delivery_worker_new(ns.svc.base, ns.svc.pg);
    ns.streams = stream_hub_new(ns.svc.base, ns.svc.pg);
    if (!ns.deliveries || !ns.streams) goto out;
    const char *bind = config_str("NOTIFY_ZMQ_BIND", config_str("NOTIFY_ZMQ", "tcp://127.0.0.1:5553"));
    ns.from_subsidy =
        link_consumer_new(ns.svc.base, ns.svc.pg, "subsidy->notify", "notify", bind, on_settled, on_committed, &ns);
    if (!ns.from_subsidy) goto out;
    ns.notices = notices_new();
    txn_join(link_consumer_txn(ns.from_subsidy), &notices_part, ns.notices);
    ns.svc.metrics = notify_metrics;
    ns.svc.metrics_ctx = &ns;
    ns.console = console_new(&ns.svc, ns.streams);
    if (!ns.console) goto out;
    rc = svc_run(&ns.svc);
out:
    console_destroy(&ns.console);
    link_consumer_destroy(&ns.from_subsidy);
    notices_destroy(&ns.notices);
    stream_hub_destroy(&ns.streams);
    delivery_worker_destroy(&ns.deliveries);
    svc_destroy(&ns.svc);
    return rc;
}
