/* http_replay.c: POST /v1/replay (see http_replay.h). */
#include "http_replay.h"

#include <event2/http.h>
#include <stdlib.h>

#include "http.h"
#include "replay.h"

void http_replay(struct evhttp_request *req, const access_who_t *who, void *arg) {
    (void)who; /* an operator (svc.c): every subject is in scope */
    http_replay_ctx_t *ctx = arg;
    size_t len = 0;
    char *body = http_body(req, &len);
    replay_request_t rq;
    char err[256];
    if (replay_parse_request(body, len, &rq, err, sizeof err) != 0) {
        free(body);
        http_reply_error(req, 400, "%s", err);
        return;
    }
    free(body);
    size_t stored = 0;
    json_t *reply = replay_run(ctx->pg, ctx->plans, &rq, &stored, err, sizeof err);
    if (stored && ctx->stored) ctx->stored(ctx->arg, stored);
    if (!reply) {
        http_reply_error(req, 503, "replay stopped: %s (what was committed stays; run it again)", err);
        return;
    }
    http_reply_json(req, 200, reply);
}
