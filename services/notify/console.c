/* console.c: the console's API (see console.h for the routes and the ticket scheme).
 *
 * A trace or KPI call waits for rules and subsidy. Its life:
 *   handler (svc.c authenticated the staff member): check, job on the pending list, upstream_get() x N
 *   each answer: on_trace_part() / on_kpi() fills the job; the last one replies,
 *                unlinks and frees it
 *   shutdown: console_destroy() cancels the upstream calls (no callback runs) and frees
 *             the jobs; evhttp_free() then frees the waiting requests. */
#include "console.h"

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audience.h"
#include "config.h"
#include "http.h"
#include "http_inbox.h"
#include "ident.h"
#include "log.h"
#include "pg.h"
#include "staff.h"
#include "upstream.h"
#include "web_static.h"

typedef struct job {
    console_t *c;
    struct job *prev, *next;
    struct evhttp_request *req;
    int waiting; /* upstream answers still due */
    json_t *reply; /* what is sent when waiting reaches 0 */
    int status;
} job_t;

struct console {
    svc_t *svc;
    stream_hub_t *streams;
    web_static_t *web;
    upstream_t *rules, *subsidy;
    long ticket_ttl_s;
    job_t *jobs;
};

/* --------------------------------------------------------------- helpers */

static void api_headers(struct evhttp_request *req) {
    web_security_headers(req);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
}

/* The staff member svc.c authenticated (the routes' rule lets staff alone in), with
 * the console's headers set. Returns the console. */
static console_t *as_staff(void *arg, struct evhttp_request *req, const access_who_t *who, staff_t *out) {
    api_headers(req);
    memset(out, 0, sizeof *out);
    out->id = who->id;
    snprintf(out->name, sizeof out->name, "%s", who->name);
    snprintf(out->district, sizeof out->district, "%s", who->district);
    snprintf(out->department, sizeof out->department, "%s", who->department);
    return *(console_t **)arg;
}

static int method_is(struct evhttp_request *req, enum evhttp_cmd_type want, const char *allow) {
    if (evhttp_request_get_command(req) == want) return 1;
    evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", allow);
    http_reply_error(req, 405, "use %s", allow);
    return 0;
}

const char *console_cookie(const char *header, const char *name, char *out, size_t outlen) {
    size_t n = strlen(name);
    for (const char *p = header; p && *p;) {
        p += strspn(p, " ;");
        size_t len = strcspn(p, ";");
        if (len > n && strncmp(p, name, n) == 0 && p[n] == '=') {
            size_t vlen = len - n - 1;
            while (vlen && p[n + 1 + vlen - 1] == ' ') vlen--;
            if (vlen + 1 > outlen) return NULL;
            memcpy(out, p + n + 1, vlen);
            out[vlen] = '\0';
            return out;
        }
        p += len;
    }
    return NULL;
}

static job_t *job_new(console_t *c, struct evhttp_request *req) {
    job_t *j = calloc(1, sizeof *j);
    if (!j) return NULL;
    j->c = c, j->req = req, j->status = 200;
    j->next = c->jobs;
    if (c->jobs) c->jobs->prev = j;
    c->jobs = j;
    return j;
}

static void job_free(job_t *j) {
    console_t *c = j->c;
    if (j->prev) j->prev->next = j->next;
    else c->jobs = j->next;
    if (j->next) j->next->prev = j->prev;
    json_decref(j->reply);
    free(j);
}

/* One upstream answer less; the last sends the reply and frees the job. */
static void job_settle(job_t *j) {
    if (--j->waiting > 0) return;
    json_t *reply = j->reply;
    j->reply = NULL;
    http_reply_json(j->req, j->status, reply);
    job_free(j);
}

/* "key=<encoded value>" appended to buf after sep; returns 0 or -1 (too long). */
static int add_param(char *buf, size_t len, const char *sep, const char *key, const char *value) {
    char *enc = evhttp_encode_uri(value);
    if (!enc) return -1;
    size_t at = strlen(buf);
    int n = snprintf(buf + at, len - at, "%s%s=%s", sep, key, enc);
    free(enc);
    return n < 0 || (size_t)n >= len - at ? -1 : 0;
}

/* --------------------------------------------------------------- routes */

static void route_me(struct evhttp_request *req, const access_who_t *caller, void *arg) {
    staff_t who;
    as_staff(arg, req, caller, &who);
    if (!method_is(req, EVHTTP_REQ_GET, "GET")) return;
    const char *d = district_name(who.district), *a = audience_label(who.department);
    http_reply_json(req, 200,
                    json_pack("{s:s,s:s,s:s,s:s,s:s}", "name", who.name, "district", who.district, "district_name",
                              d ? d : "", "department", who.department, "department_label", a ? a : ""));
}

static void route_inbox(struct evhttp_request *req, const access_who_t *caller, void *arg) {
    staff_t who;
    console_t *c = as_staff(arg, req, caller, &who);
    if (!method_is(req, EVHTTP_REQ_GET, "GET")) return;
    http_inbox_scoped(req, c->svc->pg, who.district, who.department);
}

static void route_ticket(struct evhttp_request *req, const access_who_t *caller, void *arg) {
    staff_t who;
    console_t *c = as_staff(arg, req, caller, &who);
    if (!method_is(req, EVHTTP_REQ_POST, "POST")) return;
    char ticket[TOKEN_LEN + 1], cookie[256];
    if (staff_ticket_new(c->svc->pg, who.id, c->ticket_ttl_s, ticket) != 0) {
        http_reply_error(req, 503, "database unavailable");
        return;
    }
    snprintf(cookie, sizeof cookie, CONSOLE_COOKIE "=%s; Path=/v1/console/stream; Max-Age=%ld; HttpOnly; SameSite=Strict",
             ticket, c->ticket_ttl_s);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Set-Cookie", cookie);
    http_reply_json(req, 200, json_pack("{s:I}", "expires_in", (json_int_t)c->ticket_ttl_s));
}

static void route_stream(struct evhttp_request *req, const access_who_t *caller, void *arg) {
    (void)caller; /* nobody: the ticket says who */
    console_t *c = *(console_t **)arg;
    web_security_headers(req); /* the stream sets its own Cache-Control */
    if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
        method_is(req, EVHTTP_REQ_GET, "GET");
        return;
    }
    char ticket[TOKEN_LEN + 8];
    const char *h = evhttp_find_header(evhttp_request_get_input_headers(req), "Cookie");
    staff_t who;
    int found = console_cookie(h, CONSOLE_COOKIE, ticket, sizeof ticket)
                    ? staff_ticket_authenticate(c->svc->pg, ticket, &who)
                    : 0;
    long long after;
    int resumable = found == 1 && stream_resume_point(req, &after) == 0;
    if (resumable) {
        stream_open(c->streams, req, after, who.district, who.department, who.id);
        return;
    }
    evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
    if (found < 0)
        http_reply_error(req, 503, "database unavailable");
    else if (!found)
        http_reply_error(req, 401, "ticket: missing or expired; POST /v1/console/ticket with the staff token first");
    else
        http_reply_error(req, 400, "Last-Event-ID / after: must be a notification id (a non-negative integer)");
}

/* The trace: the notification (in the staff member's inbox), then its event's
 * decisions from rules and awards from subsidy, in parallel. */
static void on_trace_part(void *arg, int status, json_t *body, const char *err, const char *key) {
    job_t *j = arg;
    json_t *list = status == 200 ? json_object_get(body, key) : NULL;
    if (json_is_array(list)) {
        json_object_set(j->reply, key, list);
    } else {
        const char *msg = json_string_value(json_object_get(body, "error"));
        char text[512];
        snprintf(text, sizeof text, "%s: %s", key, msg ? msg : err);
        json_array_append_new(json_object_get(j->reply, "errors"), json_string(text));
    }
    json_decref(body);
    job_settle(j);
}
static void on_trace_decisions(void *arg, int status, json_t *body, const char *err) {
    on_trace_part(arg, status, body, err, "decisions");
}
static void on_trace_awards(void *arg, int status, json_t *body, const char *err) {
    on_trace_part(arg, status, body, err, "awards");
}

static void trace(console_t *c, struct evhttp_request *req, const staff_t *who, const char *id) {
    const char *p[] = {id, who->district, who->department};
    PGresult *r = pg_exec(c->svc->pg,
                          INBOX_SELECT "WHERE n.notification_id = $1::bigint AND n.district = $2 AND $3 = ANY(n.audience)",
                          3, p);
    if (!r) {
        http_reply_error(req, 503, "database unavailable");
        return;
    }
    if (PQntuples(r) != 1) {
        PQclear(r);
        http_reply_error(req, 404, "no notification %s in your inbox", id);
        return;
    }
    json_t *n = inbox_row_json(r, 0);
    PQclear(r);
    char q_rules[UPSTREAM_MAX_PATH + 1] = "/v1/decisions", q_awards[UPSTREAM_MAX_PATH + 1] = "/v1/awards";
    const char *event_id = json_string_value(json_object_get(n, "event_id")),
               *source = json_string_value(json_object_get(n, "source"));
    job_t *j = job_new(c, req);
    if (!j || add_param(q_rules, sizeof q_rules, "?", "event_id", event_id) != 0 ||
        add_param(q_rules, sizeof q_rules, "&", "source", source) != 0 ||
        add_param(q_awards, sizeof q_awards, "?", "event_id", event_id) != 0 ||
        add_param(q_awards, sizeof q_awards, "&", "source", source) != 0) {
        if (j) job_free(j);
        json_decref(n);
        http_reply_error(req, 500, "the event id is too long to look up");
        return;
    }
    j->reply = json_pack("{s:o,s:[],s:[],s:[]}", "notification", n, "decisions", "awards", "errors");
    j->waiting = 3; /* the two calls, and this function's own hold until both are started */
    const char *auth = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
    if (upstream_get(c->rules, q_rules, auth, on_trace_decisions, j) != 0)
        on_trace_part(j, 0, NULL, "the request to rules could not be started", "decisions");
    if (upstream_get(c->subsidy, q_awards, auth, on_trace_awards, j) != 0)
        on_trace_part(j, 0, NULL, "the request to subsidy could not be started", "awards");
    job_settle(j);
}

/* /v1/console/notifications/{id}/ack and /trace. */
static void route_notification(struct evhttp_request *req, const access_who_t *caller, void *arg) {
    staff_t who;
    console_t *c = as_staff(arg, req, caller, &who);
    char *path = http_path(req);
    const char *rest = path + strlen("/v1/console/notifications/");
    size_t digits = strspn(rest, "0123456789");
    char id[24];
    snprintf(id, sizeof id, "%.*s", (int)(digits < 19 ? digits : 0), rest);
    if (digits < 1 || digits > 18 || rest[0] == '0') {
        http_reply_error(req, 404, "no such resource: %.200s", path);
    } else if (strcmp(rest + digits, "/ack") == 0) {
        if (method_is(req, EVHTTP_REQ_POST, "POST"))
            http_inbox_ack_as(req, c->svc->pg, strtoll(id, NULL, 10), who.name, who.district, who.department);
    } else if (strcmp(rest + digits, "/trace") == 0) {
        if (method_is(req, EVHTTP_REQ_GET, "GET")) trace(c, req, &who, id);
    } else {
        http_reply_error(req, 404, "no such resource: %.200s", path);
    }
    free(path);
}

/* subsidy's KPI, passed through as it answered (its status and body). */
static void on_kpi(void *arg, int status, json_t *body, const char *err) {
    job_t *j = arg;
    if (status == 0 || !body) {
        j->status = 502;
        j->reply = json_pack("{s:s}", "error", err);
        json_decref(body);
    } else {
        j->status = status;
        j->reply = body;
    }
    job_settle(j);
}

static void route_kpi(struct evhttp_request *req, const access_who_t *caller, void *arg) {
    staff_t who;
    console_t *c = as_staff(arg, req, caller, &who);
    if (!method_is(req, EVHTTP_REQ_GET, "GET")) return;
    char *year = http_query(req, "year"), *district = http_query(req, "district");
    char q[UPSTREAM_MAX_PATH + 1] = "/v1/kpi";
    if (!year || strlen(year) != 4 || strspn(year, "0123456789") != 4) {
        http_reply_error(req, 400, "year: required, a 4-digit year");
    } else if (district && !district_name(district)) {
        http_reply_error(req, 400, "district: not a district code of Lianyungang (320703, 320706, ... or 320700)");
    } else {
        /* both values are checked digits: nothing to encode */
        snprintf(q + strlen(q), sizeof q - strlen(q), "?year=%s&monthly=1%s%s", year, district ? "&district=" : "",
                 district ? district : "");
        job_t *j = job_new(c, req);
        if (!j) {
            http_reply_error(req, 503, "out of memory");
        } else {
            j->waiting = 1;
            const char *auth = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
            if (upstream_get(c->subsidy, q, auth, on_kpi, j) != 0)
                on_kpi(j, 0, NULL, "the request to subsidy could not be started");
        }
    }
    free(year);
    free(district);
}

/* The console's own files: open, like any web page's (they hold no data). */
static void route_static(struct evhttp_request *req, const access_who_t *who, void *arg) {
    (void)who;
    web_static_handle(req, (*(console_t **)arg)->web);
}

/* The console's routes: its files, and the API of the staff member a token names
 * (the stream: of a ticket's, the cookie an EventSource sends). */
static const svc_route_t routes[] = {
    {.path = "/", .get = ACCESS_PUBLIC, .fn = route_static},
    {.path = "/console", .get = ACCESS_PUBLIC, .fn = route_static},
    {.path = "/console/", .get = ACCESS_PUBLIC, .fn = route_static},
    {.path = "/console/{file}", .get = ACCESS_PUBLIC, .fn = route_static},
    {.path = "/v1/me", .get = ACCESS_STAFF, .fn = route_me},
    {.path = "/v1/console/notifications", .get = ACCESS_STAFF, .fn = route_inbox},
    {.path = "/v1/console/ticket", .post = ACCESS_STAFF, .fn = route_ticket},
    {.path = "/v1/console/stream", .get = ACCESS_TICKET, .fn = route_stream},
    {.path = "/v1/console/kpi", .get = ACCESS_STAFF, .fn = route_kpi},
    {.path = "/v1/console/notifications/{id}/ack", .post = ACCESS_STAFF, .fn = route_notification},
    {.path = "/v1/console/notifications/{id}/trace", .get = ACCESS_STAFF, .fn = route_notification},
};

int console_routes(svc_t *svc, console_t **where) { return svc_routes(svc, routes, sizeof routes / sizeof routes[0], where); }

/* --------------------------------------------------------------- life */

console_t *console_new(svc_t *svc, stream_hub_t *streams) {
    console_t *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->svc = svc;
    c->streams = streams;
    c->ticket_ttl_s = config_int("NOTIFY_TICKET_TTL_S", 60, 5, 3600);
    c->web = web_static_load(config_str("NOTIFY_WEB_DIR", "services/notify/web"));
    c->rules = upstream_new(svc->base, "rules", "NOTIFY_RULES_URL", "RULES_HTTP_PORT", 8081);
    c->subsidy = upstream_new(svc->base, "subsidy", "NOTIFY_SUBSIDY_URL", "SUBSIDY_HTTP_PORT", 8082);
    if (!c->web || !c->rules || !c->subsidy) goto fail;
    return c;
fail:
    log_error("console: cannot start");
    console_destroy(&c);
    return NULL;
}

void console_destroy(console_t **cp) {
    console_t *c = *cp;
    if (!c) return;
    upstream_destroy(&c->rules);
    upstream_destroy(&c->subsidy);
    while (c->jobs) job_free(c->jobs);
    web_static_destroy(&c->web);
    free(c);
    *cp = NULL;
}
