/* http_decisions.c: GET /v1/decisions?event_id=[&source=]&subject= (staff of the
 * subjects' district, operators; every answer with a person in it is logged first). */
#include "http_decisions.h"

#include <jansson.h>
#include <stdlib.h>

#include "access.h"
#include "http.h"
#include "pg.h"
#include "svc.h"

void http_decisions(struct evhttp_request *req, const access_who_t *who, void *arg) {
    svc_t *svc = arg;
    PGconn *pg = svc->pg;
    char *event_id = http_query(req, "event_id"), *source = http_query(req, "source"),
         *subject = http_query(req, "subject");
    if (!event_id && !subject) {
        http_reply_error(req, 400, "give event_id (and optionally source) or subject");
        goto out;
    }
    /* staff see their district's subjects alone; the others are not there for them */
    const char *p[] = {event_id, source, subject, who->role == ACCESS_STAFF ? who->district : NULL};
    PGresult *r = pg_exec(pg,
                          "SELECT body::text, subject FROM rules.decisions WHERE ($1::text IS NULL OR event_id = $1) "
                          "AND ($2::text IS NULL OR source = $2) AND ($3::text IS NULL OR subject = $3) "
                          "AND ($4::text IS NULL OR district = $4) "
                          "ORDER BY occurred_on, decision_id LIMIT 1000",
                          4, p);
    if (!r) {
        http_reply_error(req, 503, "database unavailable");
        goto out;
    }
    if (access_log_result(pg, who, svc->name, "GET", "/v1/decisions", r, 1) != 0) {
        PQclear(r);
        http_reply_error(req, 503, "the access log is unavailable: nothing is shown unrecorded");
        goto out;
    }
    json_t *list = json_array();
    for (int i = 0; i < PQntuples(r); i++) {
        json_t *d = json_loads(PQgetvalue(r, i, 0), 0, NULL);
        if (d) json_array_append_new(list, d);
    }
    PQclear(r);
    http_reply_json(req, 200, json_pack("{s:o}", "decisions", list));
out:
    free(event_id);
    free(source);
    free(subject);
}
