/* http_events.h: POST /v1/events (docs/architecture.md "Public interfaces").
 *
 * Accepts one JSON object, a JSON array of objects, or NDJSON
 * (Content-Type: application/x-ndjson). Answers, only after commit:
 *   200 {"results":[{"event_id","status","error"}]}, one per event in order;
 *   400 malformed body (nothing stored), 401 no valid token,
 *   413 body over 8 MiB or more than 1 000 events, 503 database unavailable. */
#ifndef JIUYE_INTAKE_HTTP_EVENTS_H
#define JIUYE_INTAKE_HTTP_EVENTS_H

#include <event2/http.h>

#include "access.h"
#include "intake_metrics.h"
#include "link.h"
#include "svc.h"

struct zmq_ingest;
struct store_thread;

/* The service: its loop, database and HTTP server (svc), the link to rules, the ZeroMQ
 * front door (zmq_ingest.h) and the counters both doors share. */
typedef struct intake {
    svc_t svc;
    link_producer_t *to_rules;
    struct zmq_ingest *zmq;
    struct store_thread *store; /* stores both doors' batches (store_thread.h) */
    intake_metrics_t metrics;
} intake_t;

/* The route of sources (svc.c authenticated who, a source). */
void http_events(struct evhttp_request *req, const access_who_t *who, void *arg);

#endif
