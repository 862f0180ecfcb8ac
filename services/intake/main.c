/* jiuye-intake: the suite's front door. Upstream systems publish events over
 * HTTP (POST /v1/events) or ZeroMQ (EventBatch to a ROUTER); each accepted event
 * is stored with an outbox message for the rules service in one transaction
 * (docs/architecture.md "Delivery"). */
#include <event2/buffer.h>
#include <stdio.h>

#include "access.h"
#include "config.h"
#include "curve.h"
#include "http_events.h"
#include "intake_metrics.h"
#include "link.h"
#include "log.h"
#include "metric.h"
#include "pg.h"
#include "store_thread.h"
#include "zmq_ingest.h"

static void write_metrics(void *ctx, struct evbuffer *out) {
    intake_t *in = ctx;
    intake_metrics_write(&in->metrics, out);
    link_producer_metrics(in->to_rules, out);
    evbuffer_add_printf(out, "# HELP jiuye_intake_batches_storing Batches handed to the store thread and not yet answered.\n"
                             "# TYPE jiuye_intake_batches_storing gauge\n");
    metric_sample(out, "jiuye_intake_batches_storing", NULL, (double)store_thread_pending(in->store));
    evbuffer_add_printf(out, "# HELP jiuye_intake_curve_refused_total ZeroMQ handshakes refused: a key no active source has.\n"
                             "# TYPE jiuye_intake_curve_refused_total counter\n");
    metric_sample(out, "jiuye_intake_curve_refused_total", NULL, (double)curve_refused_count());
}

/* Only upstream sources publish; nothing else is served but svc.c's own routes. */
static const svc_route_t intake_routes[] = {
    {.path = "/v1/events", .post = ACCESS_SOURCE, .fn = http_events},
};

int main(int argc, char **argv) {
    static intake_t in; /* static: the metrics table is about 100 KiB */
    PGconn *store_pg;
    int rc = 1;
    if (svc_routes(&in.svc, intake_routes, sizeof intake_routes / sizeof intake_routes[0], &in) != 0) return 1;
    int cli = svc_cli(&in.svc, argc, argv);
    if (cli >= 0) return cli;
    if (svc_init(&in.svc, "intake", "jiuye_intake", "INTAKE_DB_PASSWORD", "INTAKE_HTTP_PORT", 8080) != 0) goto out;
    in.to_rules = link_producer_new(in.svc.base, svc_queue_connect(&in.svc), "intake->rules", "intake",
                                    config_str("RULES_ZMQ", "tcp://127.0.0.1:5551"));
    if (!in.to_rules) goto out;
    /* The store thread's own connection: the loop's (svc.pg) keeps checking tokens meanwhile. */
    store_pg = pg_connect(in.svc.db_user, in.svc.password_env, "intake-store", &in.svc.stopping);
    if (!store_pg) goto out;
    in.store = store_thread_start(in.svc.base, store_pg);
    if (!in.store) {
        pg_finish(store_pg);
        goto out;
    }
    in.zmq = zmq_ingest_new(in.svc.base, in.svc.pg, in.store,
                            config_str("INTAKE_ZMQ_BIND", config_str("INTAKE_ZMQ", "tcp://127.0.0.1:5550")),
                            in.to_rules, &in.metrics);
    if (!in.zmq) goto out;
    in.svc.metrics = write_metrics;
    in.svc.metrics_ctx = &in;
    link_producer_pump(in.to_rules); /* whatever an earlier run left unacknowledged */
    rc = svc_run(&in.svc);
out:
    store_thread_stop(&in.store); /* first: what it gives back is answered through the doors */
    zmq_ingest_destroy(&in.zmq); /* sockets close before svc_destroy ends the ZeroMQ context */
    link_producer_destroy(&in.to_rules);
    svc_destroy(&in.svc);
    return rc;
}
