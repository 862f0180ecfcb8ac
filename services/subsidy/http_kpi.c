/* http_kpi.c: the plan-targets API (see http_kpi.h). */
#include "http_kpi.h"

#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "ident.h"
#include "kpi.h"

void http_kpi(struct evhttp_request *req, const access_who_t *who, void *arg) {
    (void)who; /* counts and sums: no personal data */
    PGconn *pg = ((svc_t *)arg)->pg;
    char *year = http_query(req, "year"), *district = http_query(req, "district"), *monthly = http_query(req, "monthly");
    if (!year || strlen(year) != 4 || strspn(year, "0123456789") != 4) {
        http_reply_error(req, 400, "year: required, a 4-digit year");
        goto out;
    }
    if (district && !district_name(district)) {
        http_reply_error(req, 400, "district: not a district code of Lianyungang (320703, 320706, ... or 320700)");
        goto out;
    }
    json_t *report = kpi_report(pg, (int)strtol(year, NULL, 10), district);
    if (!report) {
        http_reply_error(req, 503, "database unavailable");
        goto out;
    }
    if (monthly && strcmp(monthly, "1") == 0) {
        json_t *m = kpi_monthly(pg, (int)strtol(year, NULL, 10), district);
        if (!m) {
            json_decref(report);
            http_reply_error(req, 503, "database unavailable");
            goto out;
        }
        json_object_set_new(report, "monthly", m);
    }
    http_reply_json(req, 200, report);
out:
    free(monthly);
    free(year);
    free(district);
}
