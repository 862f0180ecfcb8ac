/* http_awards.h: GET /v1/awards?beneficiary=&district=&year=&event_id=&source=
 * (staff-facing; every filter optional). arg is the svc_t;
 * staff see their district alone, and every answer with a person in it is logged first. */
#ifndef JIUYE_SUBSIDY_HTTP_AWARDS_H
#define JIUYE_SUBSIDY_HTTP_AWARDS_H

#include <event2/http.h>

#include "access.h"

/* The route handler (svc_route_fn), on the loop thread: answers req itself,
 * 400 naming the filter at fault, 503 when the database or the access log
 * fails (nothing is shown unrecorded). who's role and district scope the rows. */
void http_awards(struct evhttp_request *req, const access_who_t *who, void *arg);

#endif
