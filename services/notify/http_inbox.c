/* http_inbox.c: the staff inbox (see http_inbox.h). */
#include "http_inbox.h"

#include <errno.h>
#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audience.h"
#include "http.h"
#include "ident.h"
#include "pg.h"
#include "svc.h"

/* Parse a non-negative integer query value; returns 0 or -1. */
static int parse_count(const char *s, long long max, long long *out) {
    if (!s || !*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 18) return -1;
    errno = 0;
    long long v = strtoll(s, NULL, 10);
    if (errno || v > max) return -1;
    *out = v;
    return 0;
}

long long inbox_row_id(const PGresult *r, int row) { return strtoll(PQgetvalue(r, row, 0), NULL, 10); }

json_t *inbox_row_json(const PGresult *r, int i) {
    /* audience comes back as a text[] literal {cdpf,hrss}: codes have no quotes or commas */
    json_t *aud = json_array();
    char *a = strdup(PQgetvalue(r, i, 5)), *save = NULL;
    for (char *tok = strtok_r(a ? a + 1 : NULL, ",}", &save); tok; tok = strtok_r(NULL, ",}", &save))
        json_array_append_new(aud, json_string(tok));
    free(a);
    json_t *n = json_pack("{s:I,s:s,s:s,s:s,s:s,s:o,s:s,s:s,s:s,s:s,s:s,s:s}", "id", (json_int_t)inbox_row_id(r, i),
                          "ref_id", PQgetvalue(r, i, 1), "kind", PQgetvalue(r, i, 2), "rule", PQgetvalue(r, i, 3),
                          "district", PQgetvalue(r, i, 4), "audience", aud, "event_id", PQgetvalue(r, i, 6), "source",
                          PQgetvalue(r, i, 7), "title", PQgetvalue(r, i, 8), "body", PQgetvalue(r, i, 9), "clause",
                          PQgetvalue(r, i, 11), "created_at", PQgetvalue(r, i, 12));
    if (!n) return NULL;
    if (!PQgetisnull(r, i, 10))
        json_object_set_new(n, "amount_fen", json_integer(strtoll(PQgetvalue(r, i, 10), NULL, 10)));
    if (!PQgetisnull(r, i, 13)) {
        json_object_set_new(n, "acked_by", json_string(PQgetvalue(r, i, 13)));
        json_object_set_new(n, "acked_at", json_string(PQgetvalue(r, i, 14)));
    }
    json_t *deliveries = json_loads(PQgetvalue(r, i, 15), 0, NULL);
    json_object_set_new(n, "deliveries", deliveries ? deliveries : json_array());
    return n;
}

/* The inbox page; a scope (scope_district, scope_audience non-NULL) replaces the
 * district and audience filters of the query. */
static void inbox_list(struct evhttp_request *req, PGconn *pg, const char *scope_district, const char *scope_audience) {
    char *district = scope_district ? strdup(scope_district) : http_query(req, "district"),
         *audience = scope_audience ? strdup(scope_audience) : http_query(req, "audience"),
         *after_s = http_query(req, "after"), *limit_s = http_query(req, "limit"),
         *event_id = http_query(req, "event_id"), *source = http_query(req, "source");
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
    const char *p[] = {district, audience, after_t, limit_t, event_id, source};
    PGresult *r = pg_exec(pg,
                          INBOX_SELECT "WHERE ($1::text IS NULL OR n.district = $1) AND "
                                       "($2::text IS NULL OR $2 = ANY(n.audience)) AND n.notification_id > $3::bigint "
                                       "AND ($5::text IS NULL OR n.event_id = $5) AND ($6::text IS NULL OR n.source = $6) "
                                       "ORDER BY n.notification_id LIMIT $4::int",
                          6, p);
    if (!r) {
        http_reply_error(req, 503, "database unavailable");
        goto out;
    }
    json_t *list = json_array();
    long long last = after;
    for (int i = 0; i < PQntuples(r); i++) {
        last = inbox_row_id(r, i);
        json_array_append_new(list, inbox_row_json(r, i));
    }
    PQclear(r);
    http_reply_json(req, 200, json_pack("{s:o,s:I}", "notifications", list, "next_after", (json_int_t)last));
out:
    free(district);
    free(audience);
    free(after_s);
    free(limit_s);
    free(event_id);
    free(source);
}

void http_inbox(struct evhttp_request *req, const access_who_t *who, void *arg) {
    PGconn *pg = ((svc_t *)arg)->pg;
    if (who->role == ACCESS_STAFF)
        inbox_list(req, pg, who->district, who->department);
    else
        inbox_list(req, pg, NULL, NULL);
}

void http_inbox_scoped(struct evhttp_request *req, PGconn *pg, const char *district, const char *audience) {
    inbox_list(req, pg, district, audience);
}

/* The scope of an acknowledgement: $3 district, $4 audience (NULL: any). */
#define INBOX_SCOPE "AND ($3::text IS NULL OR district = $3) AND ($4::text IS NULL OR $4 = ANY(audience))"

/* "by": 1-INBOX_MAX_ACK_BY characters of valid UTF-8 without control characters. */
static int valid_by(const char *by) {
    long n = utf8_length(by);
    if (n < 1 || n > INBOX_MAX_ACK_BY) return 0;
    for (const unsigned char *s = (const unsigned char *)by; *s; s++)
        if (*s < 0x20 || *s == 0x7f) return 0;
    return 1;
}

static void ack_update(struct evhttp_request *req, PGconn *pg, const char *id, const char *by, const char *district,
                       const char *audience);

/* The acknowledgement is in the caller's name, from their token: a body naming
 * someone else is refused rather than silently acted on as the caller. */
static void ack(struct evhttp_request *req, PGconn *pg, const char *id, const access_who_t *who) {
    size_t len = 0;
    char *body = NULL;
    json_t *doc = NULL;
    if (evbuffer_get_length(evhttp_request_get_input_buffer(req)) > INBOX_MAX_ACK_BODY) {
        http_reply_error(req, 413, "body: at most %d bytes", INBOX_MAX_ACK_BODY);
        return;
    }
    body = http_body(req, &len);
    json_error_t jerr;
    doc = body && len ? json_loadb(body, len, 0, &jerr) : NULL;
    json_t *by = json_object_get(doc, "by");
    if (body && len && (!doc || !json_is_object(doc))) {
        http_reply_error(req, 400, "body: empty, or a JSON object");
        goto out;
    }
    if (by && (!json_is_string(by) || strcmp(json_string_value(by), who->name) != 0)) {
        http_reply_error(req, 400, "by: acknowledgements are made in the name of the caller's token (%s); leave by out",
                         who->name);
        goto out;
    }
    if (!valid_by(who->name)) {
        http_reply_error(req, 400, "by: the caller's name is not a valid staff id");
        goto out;
    }
    if (who->role == ACCESS_STAFF)
        ack_update(req, pg, id, who->name, who->district, who->department);
    else
        ack_update(req, pg, id, who->name, NULL, NULL);
out:
    json_decref(doc);
    free(body);
}

/* Acknowledge notification id as by, when it is in the scope (district, audience;
 * NULL: any): outside it, the notification does not exist for this caller (404). */
static void ack_update(struct evhttp_request *req, PGconn *pg, const char *id, const char *by, const char *district,
                       const char *audience) {
    const char *p[] = {id, by, district, audience};
    PGresult *r = pg_exec(pg,
                          "WITH a AS (UPDATE notify.notifications SET acked_by = $2, acked_at = now() "
                          "WHERE notification_id = $1::bigint AND acked_by IS NULL " INBOX_SCOPE " RETURNING acked_by, acked_at) "
                          "SELECT 'acked', acked_by, to_char(acked_at AT TIME ZONE 'UTC', "
                          "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM a UNION ALL "
                          "SELECT 'before', acked_by, to_char(acked_at AT TIME ZONE 'UTC', "
                          "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM notify.notifications "
                          "WHERE notification_id = $1::bigint " INBOX_SCOPE " AND NOT EXISTS (SELECT 1 FROM a)",
                          4, p);
    if (!r) {
        http_reply_error(req, 503, "database unavailable");
        return;
    }
    json_int_t nid = (json_int_t)strtoll(id, NULL, 10);
    if (PQntuples(r) == 0) {
        http_reply_error(req, 404, "no notification %s", id);
    } else if (strcmp(PQgetvalue(r, 0, 0), "acked") == 0) {
        http_reply_json(req, 200, json_pack("{s:I,s:s,s:s}", "id", nid, "acked_by", PQgetvalue(r, 0, 1), "acked_at",
                                            PQgetvalue(r, 0, 2)));
    } else {
        char msg[256];
        snprintf(msg, sizeof msg, "already acknowledged by %s at %s", PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2));
        http_reply_json(req, 409, json_pack("{s:s,s:I,s:s,s:s}", "error", msg, "id", nid, "acked_by",
                                            PQgetvalue(r, 0, 1), "acked_at", PQgetvalue(r, 0, 2)));
    }
    PQclear(r);
}

void http_inbox_ack_as(struct evhttp_request *req, PGconn *pg, long long id, const char *by, const char *district,
                       const char *audience) {
    char id_text[24];
    snprintf(id_text, sizeof id_text, "%lld", id);
    ack_update(req, pg, id_text, by, district, audience);
}

void http_inbox_ack(struct evhttp_request *req, const access_who_t *who, void *arg) {
    char *path = http_path(req);
    const char *rest = path + strlen("/v1/notifications/");
    size_t digits = strspn(rest, "0123456789");
    if (digits >= 1 && digits <= 18 && rest[0] != '0' && strcmp(rest + digits, "/ack") == 0) {
        char id[24];
        snprintf(id, sizeof id, "%.*s", (int)digits, rest);
        ack(req, ((svc_t *)arg)->pg, id, who);
    } else {
        http_reply_error(req, 404, "no such resource: %s", path);
    }
    free(path);
}
