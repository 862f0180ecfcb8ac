/* http_decisions.h: the decisions API of the rules service. arg is the svc_t. */
#ifndef JIUYE_RULES_HTTP_DECISIONS_H
#define JIUYE_RULES_HTTP_DECISIONS_H

#include <event2/http.h>

#include "access.h"

/* GET /v1/decisions?event_id=[&source=] or ?subject=: the decisions about
 * that event or subject (at most 1 000, by date), {"decisions": [...]}.
 * The route handler (svc_route_fn), on the loop thread: answers req itself,
 * 400 without event_id or subject, 503 when the database or the access log
 * fails. A staff caller (who) sees the subjects of their district alone. */
void http_decisions(struct evhttp_request *req, const access_who_t *who, void *arg);

#endif
