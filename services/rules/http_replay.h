/* http_replay.h: POST /v1/replay, what `jiuyectl replay` calls (replay.h).
 *
 *   POST /v1/replay {"from": "2024-01-01", "to": "2024-12-31", "rule": "R01", "dry_run": true}
 *   200 the reply of replay_run(): per rule how many decisions were examined,
 *       unchanged, corrected and skipped (and why), and the corrections with
 *       their differences; a dry run shows them and writes nothing
 *   400 {"error": "<field>: <reason>"}; 405 not a POST; 503 database error
 *
 * The replay runs inside the service's loop, between two messages, so it sees
 * one set of plans (a SIGHUP waits for it) and no message is decided halfway. */
#ifndef JIUYE_RULES_HTTP_REPLAY_H
#define JIUYE_RULES_HTTP_REPLAY_H

#include <event2/http.h>
#include <libpq-fe.h>
#include <stddef.h>

#include "access.h"
#include "policy.h"

typedef struct http_replay_ctx {
    PGconn *pg;
    const policy_set_t *plans;
    void (*stored)(void *arg, size_t decisions); /* corrections committed: send them (rules' outbox) */
    void *arg;
} http_replay_ctx_t;

/* The route handler (svc_route_fn) of POST /v1/replay, on the loop thread;
 * arg is the http_replay_ctx_t. Answers req itself (above); corrections
 * committed before a failure stay, and ctx->stored is told of them. */
void http_replay(struct evhttp_request *req, const access_who_t *who, void *ctx);

#endif
