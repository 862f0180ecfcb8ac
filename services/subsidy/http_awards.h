/* http_awards.h: GET /v1/awards?beneficiary=&district=&year=&event_id=&source=
 * (staff-facing; every filter optional). arg is the PGconn. */
#ifndef JIUYE_SUBSIDY_HTTP_AWARDS_H
#define JIUYE_SUBSIDY_HTTP_AWARDS_H

#include <event2/http.h>

void http_awards(struct evhttp_request *req, void *arg);

#endif
