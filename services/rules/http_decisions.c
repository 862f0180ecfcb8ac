/* http_decisions.c: GET /v1/decisions?event_id=[&source=]&subject= (staff-facing). */
#include "http_decisions.h"

#include <jansson.h>
#include <stdlib.h>

#include "http.h"
#include "pg.h"

void http_decisions(struct evhttp_request *req, void *arg) {
    PGconn *pg = arg;
    char *event_id = http_query(req, "event_id"), *source = http_query(req, "source"),
         *subject = http_query(req, "subject");
    if (!event_id && !subject) {
        http_reply_error(req, 400, "give event_id (and optionally source) or subject");
        goto out;
    }
    const char *p[] = {event_id, source, subject};
    PGresult *r = pg_exec(pg,
                          "SELECT body::text FROM rules.decisions WHERE ($1::text IS NULL OR event_id = $1) "
                          "AND ($2::text IS NULL OR source = $2) AND ($3::text IS NULL OR subject = $3) "
                          "ORDER BY occurred_on, decision_id LIMIT 1000",
                          3, p);
    if (!r) {
        http_reply_error(req, 503, "database unavailable");
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
