/* http_audit.h: the access log, for auditors alone (migration 016; access.h).
 *
 *   GET /v1/audit?subject=&who=&from=YYYY-MM-DD&to=YYYY-MM-DD&after=&limit=
 *       {"entries": [{id, at, who, role, service, method, route, subjects}],
 *        "next_after": N}, oldest first, cursor paging by id as the inbox pages;
 *       subject: rows that showed this cert_no; who: rows of this caller;
 *       from/to: Asia/Shanghai calendar days, both included.
 *
 * notify serves it because its database role alone may read audit.access_log. The
 * auditor's look is logged too, as any answer that names persons. */
#ifndef JIUYE_NOTIFY_HTTP_AUDIT_H
#define JIUYE_NOTIFY_HTTP_AUDIT_H

#include <event2/http.h>

#include "access.h"

#define AUDIT_DEFAULT_LIMIT 100
#define AUDIT_MAX_LIMIT 1000

/* The route (arg: the svc_t). */
void http_audit(struct evhttp_request *req, const access_who_t *who, void *arg);

#endif
