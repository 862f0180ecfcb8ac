/* svc.c: service bootstrap, health endpoints, signals, and the one gate every
 * request passes (see svc.h, access.h):
 *
 *   route of the path (tables in order)      none: 404
 *   rule of the method                        none: 405 with Allow
 *   public or ticket rule                     the handler, who.role = 0
 *   address blocked by the throttle           429 with Retry-After
 *   bearer token                              missing: 401
 *   its principal (access.principals)         database down: 503; none: 401, one failure counted
 *   its role in the rule                      not: 403
 *   the handler, with the principal
 *
 * 401 and 403 carry WWW-Authenticate / the JSON error of every other answer and
 * nothing about the resource asked for. */
#include "svc.h"

#include <event2/buffer.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "config.h"
#include "http.h"
#include "link.h"
#include "log.h"
#include "metric.h"
#include "pg.h"

static void on_signal(evutil_socket_t sig, short what, void *arg) {
    (void)what;
    svc_t *s = arg;
    log_info("signal %d: stopping", (int)sig);
    s->stopping = 1;
    event_base_loopexit(s->base, NULL);
}

static void route_healthz(struct evhttp_request *req, const access_who_t *who, void *arg) {
    (void)who;
    svc_t *s = arg;
    http_reply_json(req, 200, json_pack("{s:s,s:s}", "status", "ok", "service", s->name));
}

static void route_readyz(struct evhttp_request *req, const access_who_t *who, void *arg) {
    (void)who;
    svc_t *s = arg;
    PGresult *r = PQstatus(s->pg) == CONNECTION_OK ? PQexec(s->pg, "SELECT 1") : NULL;
    int db_ok = r && PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    if (!db_ok) pg_alive(s->pg);
    http_reply_json(req, db_ok ? 200 : 503,
                    json_pack("{s:s,s:s}", "status", db_ok ? "ready" : "not ready", "database", db_ok ? "up" : "down"));
}

static void route_metrics(struct evhttp_request *req, const access_who_t *who, void *arg) {
    (void)who;
    svc_t *s = arg;
    struct evbuffer *out = evbuffer_new();
    evbuffer_add_printf(out, "# TYPE jiuye_up gauge\n");
    char labels[64];
    snprintf(labels, sizeof labels, "service=\"%s\"", s->name);
    metric_sample(out, "jiuye_up", labels, 1);
    evbuffer_add_printf(out, "# HELP jiuye_auth_failures_total Requests with an unknown, expired or revoked token.\n"
                             "# TYPE jiuye_auth_failures_total counter\n");
    metric_sample(out, "jiuye_auth_failures_total", NULL, (double)s->throttle->failures_total);
    evbuffer_add_printf(out, "# HELP jiuye_auth_throttled_total Requests refused with 429 after too many failed tokens.\n"
                             "# TYPE jiuye_auth_throttled_total counter\n");
    metric_sample(out, "jiuye_auth_throttled_total", NULL, (double)s->throttle->throttled_total);
    if (s->metrics) s->metrics(s->metrics_ctx, out);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "text/plain; version=0.0.4");
    evhttp_send_reply(req, 200, NULL, out);
    evbuffer_free(out);
}

/* Every service's own routes. */
static const svc_route_t builtin_routes[] = {
    {.path = "/healthz", .get = ACCESS_PUBLIC, .fn = route_healthz},
    {.path = "/readyz", .get = ACCESS_PUBLIC, .fn = route_readyz},
    {.path = "/metrics", .get = ACCESS_METRICS | ACCESS_OPERATOR, .fn = route_metrics},
};

/* Does path match pattern, where a "{name}" segment of pattern matches any one
 * non-empty segment? */
static int path_matches(const char *pattern, const char *path) {
    while (*pattern && *path) {
        if (*pattern == '{') {
            const char *close = strchr(pattern, '}');
            if (!close) return 0;
            size_t seg = strcspn(path, "/");
            if (seg == 0) return 0;
            pattern = close + 1, path += seg;
        } else if (*pattern++ != *path++) {
            return 0;
        }
    }
    return *pattern == '\0' && *path == '\0';
}

static const svc_route_t *route_of(const svc_t *s, const char *path, void **ctx) {
    for (size_t t = 0; t < s->n_tables; t++)
        for (size_t i = 0; i < s->tables[t].n; i++)
            if (path_matches(s->tables[t].routes[i].path, path)) {
                *ctx = s->tables[t].ctx;
                return &s->tables[t].routes[i];
            }
    return NULL;
}

static void refuse(struct evhttp_request *req, int code, const char *why) {
    if (code == 401)
        evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate", "Bearer realm=\"jiuye\"");
    http_reply_error(req, code, "%s", why);
}

/* Does the comma-separated list have item (exactly), or is it "*"? */
static int listed(const char *list, const char *item) {
    if (strcmp(list, "*") == 0) return 1;
    size_t len = strlen(item);
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        if (n == len && strncmp(p, item, len) == 0) return 1;
        p += n + (p[n] == ',');
    }
    return 0;
}

/* The address the throttle counts a request against: the TCP peer, or, when the peer is a
 * trusted reverse proxy (JIUYE_TRUSTED_PROXY), the client it names in X-Real-IP. Behind a
 * proxy every request comes from the proxy's address: without this one client guessing
 * tokens would lock out every other. The header of anyone else is ignored, so a client
 * cannot choose the address it is counted against. Borrowed from req. */
static const char *client_address(const svc_t *s, struct evhttp_request *req) {
    char *peer = NULL; /* owned by the connection */
    ev_uint16_t port = 0;
    struct evhttp_connection *conn = evhttp_request_get_connection(req);
    if (conn) evhttp_connection_get_peer(conn, &peer, &port);
    if (!peer) return "?";
    if (!s->trusted_proxy || !listed(s->trusted_proxy, peer)) return peer;
    const char *real = evhttp_find_header(evhttp_request_get_input_headers(req), "X-Real-IP");
    size_t len = real ? strlen(real) : 0;
    /* an address, as nginx's $remote_addr writes it; anything else counts as the proxy */
    if (len == 0 || len > 45 || strspn(real, "0123456789abcdefABCDEF.:") != len) return peer;
    return real;
}

static void dispatch(struct evhttp_request *req, void *arg) {
    svc_t *s = arg;
    char *path = http_path(req);
    void *ctx = NULL;
    const svc_route_t *r = path ? route_of(s, path, &ctx) : NULL;
    if (!r) {
        http_reply_error(req, 404, "no such resource: %.200s", path ? path : "?");
        free(path);
        return;
    }
    free(path);
    enum evhttp_cmd_type m = evhttp_request_get_command(req);
    unsigned rule = m == EVHTTP_REQ_POST ? r->post : m == EVHTTP_REQ_GET || m == EVHTTP_REQ_HEAD ? r->get : 0;
    if (!rule) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", r->get && r->post ? "GET, POST" : r->get ? "GET" : "POST");
        http_reply_error(req, 405, "method not allowed: use %s", r->get && r->post ? "GET or POST" : r->get ? "GET" : "POST");
        return;
    }
    access_who_t who = {0};
    if (rule & (ACCESS_PUBLIC | ACCESS_TICKET)) {
        r->fn(req, &who, ctx);
        return;
    }
    const char *addr = client_address(s, req);
    time_t now = time(NULL);
    long wait = access_throttle_wait(s->throttle, addr, now);
    if (wait > 0) {
        char secs[24];
        snprintf(secs, sizeof secs, "%ld", wait);
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", secs);
        http_reply_error(req, 429, "too many failed tokens from this address: retry after %ld s", wait);
        return;
    }
    const char *h = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
    const char *token = access_bearer(h);
    if (!h) {
        refuse(req, 401, "Authorization: a bearer token is required (Bearer jy_...)");
        return;
    }
    int found = token ? access_authenticate(s->pg, token, &who) : 0;
    if (found < 0) {
        http_reply_error(req, 503, "database unavailable");
    } else if (!found) {
        access_throttle_fail(s->throttle, addr, now);
        refuse(req, 401, "Authorization: unknown or revoked token, or expired");
    } else if (!(rule & who.role)) {
        http_reply_error(req, 403, "the %s role may not %s this resource", access_role_name(who.role),
                         m == EVHTTP_REQ_POST ? "post to" : "read");
    } else {
        r->fn(req, &who, ctx);
    }
}

int svc_routes(svc_t *s, const svc_route_t *routes, size_t n, void *ctx) {
    if (s->n_tables == SVC_MAX_TABLES) {
        log_error("routes: more than %d tables", SVC_MAX_TABLES);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const svc_route_t *r = &routes[i];
        unsigned rules[2] = {r->get, r->post};
        int bad = !r->path || r->path[0] != '/' || !r->fn || (r->get == 0 && r->post == 0);
        for (int k = 0; k < 2; k++)
            bad |= (rules[k] & ~ACCESS_ALL_BITS) != 0 || ((rules[k] & ACCESS_PUBLIC) && rules[k] != ACCESS_PUBLIC);
        if (bad) {
            log_error("route %s: no access rule, or a bad one (every route names the roles that may call it): "
                      "refusing to start",
                      r->path ? r->path : "(null)");
            return -1;
        }
    }
    s->tables[s->n_tables++] = (svc_route_table_t){routes, n, ctx};
    return 0;
}

static void print_table(const svc_route_t *routes, size_t n, FILE *out) {
    char text[128];
    for (size_t i = 0; i < n; i++) {
        if (routes[i].get) fprintf(out, "GET %s %s\n", routes[i].path, access_rule_text(routes[i].get, text, sizeof text));
        if (routes[i].post)
            fprintf(out, "POST %s %s\n", routes[i].path, access_rule_text(routes[i].post, text, sizeof text));
    }
}

void svc_routes_print(const svc_t *s, FILE *out) {
    print_table(builtin_routes, sizeof builtin_routes / sizeof builtin_routes[0], out);
    for (size_t t = 0; t < s->n_tables; t++) print_table(s->tables[t].routes, s->tables[t].n, out);
}

int svc_cli(svc_t *s, int argc, char **argv) {
    if (argc <= 1) return -1;
    if (argc == 2 && strcmp(argv[1], "--routes") == 0) {
        svc_routes_print(s, stdout);
        return fflush(stdout) == 0 ? 0 : 1;
    }
    fprintf(stderr, "usage: %s [--routes]\n", argv[0]);
    return 2;
}

int svc_init(svc_t *s, const char *name, const char *db_user, const char *password_env,
             const char *port_env, int default_port) {
    s->name = name;
    log_init(name);
    if (s->n_tables == SVC_MAX_TABLES) {
        log_error("routes: no room for the service's own table");
        return -1;
    }
    /* the built-in routes come first, so no table can shadow /healthz */
    memmove(&s->tables[1], &s->tables[0], s->n_tables * sizeof s->tables[0]);
    s->tables[0] = (svc_route_table_t){builtin_routes, sizeof builtin_routes / sizeof builtin_routes[0], s};
    s->n_tables++;
    s->throttle = calloc(1, sizeof *s->throttle);
    if (!s->throttle) return -1;
    s->throttle->max_failures = (int)config_int("JIUYE_AUTH_MAX_FAILURES", ACCESS_MAX_FAILURES, 1, 1000000);
    s->trusted_proxy = config_str("JIUYE_TRUSTED_PROXY", NULL);
    s->base = event_base_new();
    if (!s->base) return -1;
    s->sig_term = evsignal_new(s->base, SIGTERM, on_signal, s);
    s->sig_int = evsignal_new(s->base, SIGINT, on_signal, s);
    event_add(s->sig_term, NULL);
    event_add(s->sig_int, NULL);
    signal(SIGPIPE, SIG_IGN);

    s->db_user = db_user;
    s->password_env = password_env;
    s->pg = pg_connect(db_user, password_env, name, &s->stopping);
    if (!s->pg) return -1;
    if (pg_check_schema(s->pg, SCHEMA_VERSION) != 0) return -1;

    const char *addr = config_str("JIUYE_HTTP_ADDR", "127.0.0.1");
    int port = (int)config_int(port_env, default_port, 1, 65535);
    s->http = evhttp_new(s->base);
    if (!s->http) return -1;
    evhttp_set_max_body_size(s->http, 8 * 1024 * 1024);
    evhttp_set_max_headers_size(s->http, 64 * 1024);
    evhttp_set_timeout(s->http, (int)config_int("JIUYE_HTTP_TIMEOUT_S", 30, 1, 3600));
    evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD);
    if (!evhttp_bind_socket_with_handle(s->http, addr, (ev_uint16_t)port)) {
        log_error("cannot listen on %s:%d (%s)", addr, port, port_env);
        return -1;
    }
    evhttp_set_gencb(s->http, dispatch, s);
    log_info("listening on http://%s:%d", addr, port);
    return 0;
}

PGconn *svc_queue_connect(svc_t *s) {
    if (!s->queue_pg) {
        char app[64];
        snprintf(app, sizeof app, "%s-outbox", s->name);
        s->queue_pg = pg_connect_with(s->db_user, s->password_env, app,
                                      "-c enable_seqscan=off -c plan_cache_mode=force_generic_plan", &s->stopping);
    }
    return s->queue_pg;
}

int svc_run(svc_t *s) {
    if (!s->stopping) event_base_dispatch(s->base);
    log_info("stopped");
    return 0;
}

void svc_destroy(svc_t *s) {
    if (s->http) evhttp_free(s->http);
    if (s->sig_term) event_free(s->sig_term);
    if (s->sig_int) event_free(s->sig_int);
    pg_finish(s->pg);
    pg_finish(s->queue_pg);
    link_term();
    if (s->base) event_base_free(s->base);
    free(s->throttle);
    libevent_global_shutdown();
    memset(s, 0, sizeof *s);
}
