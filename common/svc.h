/* svc.h: what every service does the same way.
 *
 * A service is one libevent loop holding one PostgreSQL connection, its HTTP
 * server (with /healthz, /readyz and /metrics) and its ZeroMQ links. SIGTERM or
 * SIGINT stops the loop after the callback in progress, which always ends in a
 * committed or rolled-back transaction: nothing held in memory is needed to
 * resume, since every unfinished message is still in an outbox. */
#ifndef JIUYE_SVC_H
#define JIUYE_SVC_H

#include <event2/event.h>
#include <event2/http.h>
#include <libpq-fe.h>
#include <signal.h>

typedef struct svc svc_t;
typedef void (*svc_route_fn)(struct evhttp_request *req, void *ctx);

#define SCHEMA_VERSION 9 /* the highest migration this build knows */

struct svc {
    const char *name;
    struct event_base *base;
    struct evhttp *http;
    PGconn *pg;
    struct event *sig_term, *sig_int;
    volatile sig_atomic_t stopping;
    void (*metrics)(void *ctx, struct evbuffer *out);
    void *metrics_ctx;
};

/* Connect to PostgreSQL as role db_user (waiting for it), check the schema,
 * listen for HTTP on JIUYE_HTTP_ADDR:<port_env>. Returns 0 or -1 (logged). */
int svc_init(svc_t *s, const char *name, const char *db_user, const char *password_env,
             const char *port_env, int default_port) __attribute__((warn_unused_result));

/* Route an exact path (e.g. "/v1/events") to a handler. */
void svc_route(svc_t *s, const char *path, svc_route_fn fn, void *ctx);

/* Run until SIGTERM/SIGINT. Returns 0. */
int svc_run(svc_t *s);
void svc_destroy(svc_t *s);

/* Append one Prometheus sample line "name{labels} value". labels may be NULL. */
void svc_metric(struct evbuffer *out, const char *name, const char *labels, double value);

#endif
