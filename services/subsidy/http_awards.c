/* http_awards.c: the awards API (see http_awards.h). */
#include "http_awards.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "http.h"
#include "pg.h"
#include "svc.h"

void http_awards(struct evhttp_request *req, const access_who_t *who, void *arg) {
    svc_t *svc = arg;
    PGconn *pg = svc->pg;
    char *beneficiary = http_query(req, "beneficiary"), *district = http_query(req, "district"),
         *year = http_query(req, "year"), *event_id = http_query(req, "event_id"),
         *source = http_query(req, "source");
    if (year && (strlen(year) != 4 || strspn(year, "0123456789") != 4)) {
        http_reply_error(req, 400, "year: must be a 4-digit year");
        goto out;
    }
    /* event_id and source are in the body (award_to_json); no index: an operator's
     * look-up (jiuyectl trace), usually with beneficiary or year beside it. */
    /* staff see their district's beneficiaries alone; the others are not there for them */
    const char *p[] = {beneficiary, district, year, event_id, source, who->role == ACCESS_STAFF ? who->district : NULL};
    PGresult *r = pg_exec(pg,
                          "SELECT body::text, beneficiary FROM subsidy.awards WHERE ($1::text IS NULL OR beneficiary = $1) "
                          "AND ($2::text IS NULL OR district = $2) AND ($3::int IS NULL OR year = $3::int) "
                          "AND ($4::text IS NULL OR body->>'event_id' = $4) "
                          "AND ($5::text IS NULL OR body->>'source' = $5) "
                          "AND ($6::text IS NULL OR district = $6) "
                          "ORDER BY created_at, award_id LIMIT 5000",
                          6, p);
    if (!r) {
        http_reply_error(req, 503, "database unavailable");
        goto out;
    }
    if (access_log_result(pg, who, svc->name, "GET", "/v1/awards", r, 1) != 0) {
        PQclear(r);
        http_reply_error(req, 503, "the access log is unavailable: nothing is shown unrecorded");
        goto out;
    }
    json_t *list = json_array();
    for (int i = 0; i < PQntuples(r); i++) {
        json_t *a = json_loads(PQgetvalue(r, i, 0), 0, NULL);
        if (a) json_array_append_new(list, a);
    }
    PQclear(r);
    http_reply_json(req, 200, json_pack("{s:o}", "awards", list));
out:
    free(beneficiary);
    free(district);
    free(year);
    free(event_id);
    free(source);
}
