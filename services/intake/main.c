/* jiuye-intake: the suite's front door. Upstream systems publish events over
 * HTTP (POST /v1/events); each accepted event is stored with an outbox message
 * for the rules service in one transaction (DESIGN.md "Delivery"). */
#include <event2/buffer.h>
#include <stdio.h>

#include "config.h"
#include "http_events.h"
#include "link.h"
#include "log.h"

static void intake_metrics(void *ctx, struct evbuffer *out) {
    intake_t *in = ctx;
    evbuffer_add_printf(out, "# TYPE jiuye_events_total counter\n");
    svc_metric(out, "jiuye_events_total", "status=\"received\"", (double)in->received);
    svc_metric(out, "jiuye_events_total", "status=\"accepted\"", (double)in->accepted);
    svc_metric(out, "jiuye_events_total", "status=\"duplicate\"", (double)in->duplicate);
    svc_metric(out, "jiuye_events_total", "status=\"rejected\"", (double)in->rejected);
    evbuffer_add_printf(out, "# TYPE jiuye_link_backlog gauge\n");
    svc_metric(out, "jiuye_link_backlog", "link=\"intake->rules\"", (double)link_producer_backlog(in->to_rules));
    svc_metric(out, "jiuye_link_inflight", "link=\"intake->rules\"", (double)link_producer_inflight(in->to_rules));
}

int main(void) {
    static intake_t in;
    int rc = 1;
    if (svc_init(&in.svc, "intake", "jiuye_intake", "INTAKE_DB_PASSWORD", "INTAKE_HTTP_PORT", 8080) != 0) goto out;
    in.to_rules = link_producer_new(in.svc.base, in.svc.pg, "intake->rules", "intake",
                                    config_str("RULES_ZMQ", "tcp://127.0.0.1:5551"));
    if (!in.to_rules) goto out;
    in.svc.metrics = intake_metrics;
    in.svc.metrics_ctx = &in;
    svc_route(&in.svc, "/v1/events", http_events, &in);
    link_producer_pump(in.to_rules); /* whatever an earlier run left unacknowledged */
    rc = svc_run(&in.svc);
out:
    link_producer_destroy(&in.to_rules);
    svc_destroy(&in.svc);
    return rc;
}
