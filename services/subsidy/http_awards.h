/* http_awards.h: GET /v1/awards?beneficiary=&district=&year=&event_id=&source=
 * (staff-facing; every filter optional). arg is the svc_t;
 * staff see their district alone, and every answer with a person in it is logged first. */
#ifndef JIUYE_SUBSIDY_HTTP_AWARDS_H
#define JIUYE_SUBSIDY_HTTP_AWARDS_H

#include <event2/http.h>

#include "access.h"

void http_awards(struct evhttp_request *req, const access_who_t *who, void *arg);

#endif
