/* http_kpi.h: GET /v1/kpi?year=YYYY[&district=CODE][&monthly=1] (staff-facing): every plan
 * target of docs/policy.md §4 with its figure for the year and cumulatively, for one
 * district or, without district, the whole city (kpi.h says where each figure
 * comes from). year is required; monthly=1 adds the count targets month by month
 * (kpi_monthly, the console's progress lines); arg is the svc_t (its pg). */
#ifndef JIUYE_SUBSIDY_HTTP_KPI_H
#define JIUYE_SUBSIDY_HTTP_KPI_H

#include <event2/http.h>

#include "access.h"
#include "svc.h"

/* The route handler (svc_route_fn), on the loop thread: answers req itself,
 * 400 naming the parameter at fault, 503 when the database fails. who is
 * unused: the figures are counts and sums, no person in them. */
void http_kpi(struct evhttp_request *req, const access_who_t *who, void *arg);

#endif
