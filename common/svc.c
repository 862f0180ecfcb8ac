/* svc.c: service bootstrap, health endpoints, signals (see svc.h). */
#include "svc.h"

#include <event2/buffer.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "http.h"
#include "link.h"
#include "log.h"
#include "pg.h"

static void on_signal(evutil_socket_t sig, short what, void *arg) {
    (void)what;
    svc_t *s = arg;
    log_info("signal %d: stopping", (int)sig);
    s->stopping = 1;
    event_base_loopexit(s->base, NULL);
}

static void route_healthz(struct evhttp_request *req, void *arg) {
    svc_t *s = arg;
    http_reply_json(req, 200, json_pack("{s:s,s:s}", "status", "ok", "service", s->name));
}

static void route_readyz(struct evhttp_request *req, void *arg) {
    svc_t *s = arg;
    PGresult *r = PQstatus(s->pg) == CONNECTION_OK ? PQexec(s->pg, "SELECT 1") : NULL;
    int db_ok = r && PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    if (!db_ok) pg_alive(s->pg);
    http_reply_json(req, db_ok ? 200 : 503,
                    json_pack("{s:s,s:s}", "status", db_ok ? "ready" : "not ready", "database", db_ok ? "up" : "down"));
}

void svc_metric(struct evbuffer *out, const char *name, const char *labels, double value) {
    if (labels && *labels)
        evbuffer_add_printf(out, "%s{%s} %.17g\n", name, labels, value);
    else
        evbuffer_add_printf(out, "%s %.17g\n", name, value);
}

static void route_metrics(struct evhttp_request *req, void *arg) {
    svc_t *s = arg;
    struct evbuffer *out = evbuffer_new();
    evbuffer_add_printf(out, "# TYPE jiuye_up gauge\n");
    char labels[64];
    snprintf(labels, sizeof labels, "service=\"%s\"", s->name);
    svc_metric(out, "jiuye_up", labels, 1);
    if (s->metrics) s->metrics(s->metrics_ctx, out);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "text/plain; version=0.0.4");
    evhttp_send_reply(req, 200, NULL, out);
    evbuffer_free(out);
}

/* The generic callback: prefix routes, then 404. */
static void route_unknown(struct evhttp_request *req, void *arg) {
    svc_t *s = arg;
    char *path = http_path(req);
    for (size_t i = 0; i < s->n_prefix_routes; i++) {
        const svc_prefix_route_t *r = &s->prefix_routes[i];
        if (path && strncmp(path, r->prefix, strlen(r->prefix)) == 0) {
            free(path);
            r->fn(req, r->ctx);
            return;
        }
    }
    http_reply_error(req, 404, "no such resource: %s", path ? path : "?");
    free(path);
}

int svc_init(svc_t *s, const char *name, const char *db_user, const char *password_env,
             const char *port_env, int default_port) {
    memset(s, 0, sizeof *s);
    s->name = name;
    log_init(name);
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
    evhttp_set_cb(s->http, "/healthz", route_healthz, s);
    evhttp_set_cb(s->http, "/readyz", route_readyz, s);
    evhttp_set_cb(s->http, "/metrics", route_metrics, s);
    evhttp_set_gencb(s->http, route_unknown, s);
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

void svc_route(svc_t *s, const char *path, svc_route_fn fn, void *ctx) { evhttp_set_cb(s->http, path, fn, ctx); }

int svc_route_prefix(svc_t *s, const char *prefix, svc_route_fn fn, void *ctx) {
    if (s->n_prefix_routes == SVC_MAX_PREFIX_ROUTES) return -1;
    s->prefix_routes[s->n_prefix_routes++] = (svc_prefix_route_t){prefix, fn, ctx};
    return 0;
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
    libevent_global_shutdown();
    memset(s, 0, sizeof *s);
}
