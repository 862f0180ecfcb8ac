/* http_inbox.c: the staff inbox (see http_inbox.h). */
#include "http_inbox.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audience.h"
#include "http.h"
#include "ident.h"
#include "pg.h"

/* Parse a non-negative integer query value; returns 0 or -1. */
static int parse_count(const char *s, long long max, long long *out) {
    if (!s || !*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 18) return -1;
    errno = 0;
    long long v = strtoll(s, NULL, 10);
    if (errno || v > max) return -1;
    *out = v;
    return 0;
}

void http_inbox(struct evhttp_request *req, void *arg) {
    PGconn *pg = arg;
    char *district = http_query(req, "district"), *audience = http_query(req, "audience"),
         *after_s = http_query(req, "after"), *limit_s = http_query(req, "limit");
    long long after = 0, limit = INBOX_DEFAULT_LIMIT;
    if (district && !district_name(district)) {
        http_reply_error(req, 400, "district: unknown district code '%.8s'", district);
        goto out;
    }
    if (audience && !audience_label(audience)) {
        http_reply_error(req, 400, "audience: unknown audience code (cdpf, hrss, finance, ...)");
        goto out;
    }
    if (after_s && parse_count(after_s, 9223372036854775807LL, &after) != 0) {
        http_reply_error(req, 400, "after: must be a notification id (a non-negative integer)");
        goto out;
    }
    if (limit_s && (parse_count(limit_s, INBOX_MAX_LIMIT, &limit) != 0 || limit == 0)) {
        http_reply_error(req, 400, "limit: must be 1-%d", INBOX_MAX_LIMIT);
        goto out;
    }
    char after_t[24], limit_t[24];
    snprintf(after_t, sizeof after_t, "%lld", after);
    snprintf(limit_t, sizeof limit_t, "%lld", limit);
    const char *p[] = {district, audience, after_t, limit_t};
    PGresult *r = pg_exec(pg,
                          "SELECT notification_id, ref_id, kind, rule, district, audience, event_id, source, title, body, "
                          "amount_fen, clause, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
                          "acked_by FROM notify.notifications WHERE ($1::text IS NULL OR district = $1) AND "
                          "($2::text IS NULL OR $2 = ANY(audience)) AND notification_id > $3::bigint "
                          "ORDER BY notification_id LIMIT $4::int",
                          4, p);
    if (!r) {
        http_reply_error(req, 503, "database unavailable");
        goto out;
    }
    json_t *list = json_array();
    long long last = after;
    for (int i = 0; i < PQntuples(r); i++) {
        last = strtoll(PQgetvalue(r, i, 0), NULL, 10);
        /* audience comes back as a text[] literal {cdpf,hrss}: codes have no quotes or commas */
        json_t *aud = json_array();
        char *a = strdup(PQgetvalue(r, i, 5)), *save = NULL;
        for (char *tok = strtok_r(a ? a + 1 : NULL, ",}", &save); tok; tok = strtok_r(NULL, ",}", &save))
            json_array_append_new(aud, json_string(tok));
        free(a);
        json_t *n = json_pack("{s:I,s:s,s:s,s:s,s:s,s:o,s:s,s:s,s:s,s:s,s:s,s:s}", "id", (json_int_t)last, "ref_id",
                              PQgetvalue(r, i, 1), "kind", PQgetvalue(r, i, 2), "rule", PQgetvalue(r, i, 3), "district",
                              PQgetvalue(r, i, 4), "audience", aud, "event_id", PQgetvalue(r, i, 6), "source",
                              PQgetvalue(r, i, 7), "title", PQgetvalue(r, i, 8), "body", PQgetvalue(r, i, 9), "clause",
                              PQgetvalue(r, i, 11), "created_at", PQgetvalue(r, i, 12));
        if (!PQgetisnull(r, i, 10))
            json_object_set_new(n, "amount_fen", json_integer(strtoll(PQgetvalue(r, i, 10), NULL, 10)));
        if (!PQgetisnull(r, i, 13)) json_object_set_new(n, "acked_by", json_string(PQgetvalue(r, i, 13)));
        json_array_append_new(list, n);
    }
    PQclear(r);
    http_reply_json(req, 200, json_pack("{s:o,s:I}", "notifications", list, "next_after", (json_int_t)last));
out:
    free(district);
    free(audience);
    free(after_s);
    free(limit_s);
}
