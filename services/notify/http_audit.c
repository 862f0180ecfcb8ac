/* http_audit.c: GET /v1/audit (see http_audit.h). */
#include "http_audit.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "http.h"
#include "pg.h"
#include "svc.h"

/* A non-negative integer of at most 18 digits into *out; 0 or -1. */
static int parse_count(const char *s, long long *out) {
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > 18 || strspn(s, "0123456789") != n) return -1;
    *out = strtoll(s, NULL, 10);
    return 0;
}

/* The cert_nos the entries of list show, for the auditor's own row (the log shows
 * persons too), into out when not NULL (pointing into list). Returns how many. */
static size_t shown(json_t *list, const char **out) {
    size_t n = 0, i, j;
    json_t *e, *s;
    json_array_foreach(list, i, e) {
        json_array_foreach(json_object_get(e, "subjects"), j, s) {
            if (!json_string_value(s)) continue;
            if (out) out[n] = json_string_value(s);
            n++;
        }
    }
    return n;
}

void http_audit(struct evhttp_request *req, const access_who_t *who, void *arg) {
    svc_t *svc = arg;
    PGconn *pg = svc->pg;
    char *subject = http_query(req, "subject"), *caller = http_query(req, "who"), *from = http_query(req, "from"),
         *to = http_query(req, "to"), *after_s = http_query(req, "after"), *limit_s = http_query(req, "limit");
    long long after = 0, limit = AUDIT_DEFAULT_LIMIT;
    jdate_t d;
    if (from && date_parse(from, &d) != 0) {
        http_reply_error(req, 400, "from: must be a date YYYY-MM-DD");
    } else if (to && date_parse(to, &d) != 0) {
        http_reply_error(req, 400, "to: must be a date YYYY-MM-DD");
    } else if (after_s && parse_count(after_s, &after) != 0) {
        http_reply_error(req, 400, "after: must be an entry id (a non-negative integer)");
    } else if (limit_s && (parse_count(limit_s, &limit) != 0 || limit < 1 || limit > AUDIT_MAX_LIMIT)) {
        http_reply_error(req, 400, "limit: must be 1-%d", AUDIT_MAX_LIMIT);
    } else if (subject && strlen(subject) > 64) {
        http_reply_error(req, 400, "subject: at most 64 characters (a cert_no)");
    } else if (caller && strlen(caller) > 64) {
        http_reply_error(req, 400, "who: at most 64 characters (a token's name)");
    } else {
        char after_t[24], limit_t[24];
        snprintf(after_t, sizeof after_t, "%lld", after);
        snprintf(limit_t, sizeof limit_t, "%lld", limit);
        const char *p[] = {subject, caller, from, to, after_t, limit_t};
        PGresult *r = pg_exec(
            pg,
            "SELECT access_id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), who, role, service, "
            "method, route, array_to_json(subjects)::text FROM audit.access_log "
            "WHERE ($1::text IS NULL OR subjects @> ARRAY[$1::text]) AND ($2::text IS NULL OR who = $2) "
            "AND ($3::date IS NULL OR at >= ($3::date::timestamp AT TIME ZONE 'Asia/Shanghai')) "
            "AND ($4::date IS NULL OR at < (($4::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')) "
            "AND access_id > $5::bigint ORDER BY access_id LIMIT $6::int",
            6, p);
        if (!r) {
            http_reply_error(req, 503, "database unavailable");
        } else {
            json_t *list = json_array();
            long long last = after;
            for (int i = 0; i < PQntuples(r); i++) {
                last = strtoll(PQgetvalue(r, i, 0), NULL, 10);
                json_t *subjects = json_loads(PQgetvalue(r, i, 7), 0, NULL);
                json_array_append_new(
                    list, json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:o}", "id", (json_int_t)last, "at", PQgetvalue(r, i, 1),
                                    "who", PQgetvalue(r, i, 2), "role", PQgetvalue(r, i, 3), "service",
                                    PQgetvalue(r, i, 4), "method", PQgetvalue(r, i, 5), "route", PQgetvalue(r, i, 6),
                                    "subjects", subjects ? subjects : json_array()));
            }
            PQclear(r);
            size_t n = shown(list, NULL);
            const char **subjects = n ? calloc(n, sizeof *subjects) : NULL;
            if ((n && !subjects) ||
                (n && (shown(list, subjects), access_log_write(pg, who, svc->name, "GET", "/v1/audit", subjects, n) != 0))) {
                json_decref(list);
                http_reply_error(req, 503, "the access log is unavailable: nothing is shown unrecorded");
            } else {
                http_reply_json(req, 200, json_pack("{s:o,s:I}", "entries", list, "next_after", (json_int_t)last));
            }
            free(subjects);
        }
    }
    free(subject);
    free(caller);
    free(from);
    free(to);
    free(after_s);
    free(limit_s);
}
