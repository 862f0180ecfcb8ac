/* svc.h: what every service does the same way.
 *
 * A service is one libevent loop holding one PostgreSQL connection, its HTTP
 * server (with /healthz, /readyz and /metrics) and its ZeroMQ links. SIGTERM or
 * SIGINT stops the loop after the callback in progress, which always ends in a
 * committed or rolled-back transaction: nothing held in memory is needed to
 * resume, since every unfinished message is still in an outbox. (Intake adds a
 * thread that stores accepted batches on a connection of its own, so that its
 * loop parses the next request meanwhile: services/intake/store_thread.h.) */
#ifndef JIUYE_SVC_H
#define JIUYE_SVC_H

#include <event2/event.h>
#include <event2/http.h>
#include <libpq-fe.h>
#include <signal.h>

typedef struct svc svc_t;
typedef void (*svc_route_fn)(struct evhttp_request *req, void *ctx);

#define SCHEMA_VERSION 17 /* the highest migration this build knows */
#define SVC_MAX_PREFIX_ROUTES 8

typedef struct svc_prefix_route {
    const char *prefix; /* borrowed: a string literal */
    svc_route_fn fn;
    void *ctx;
} svc_prefix_route_t;

struct svc {
    const char *name;
    struct event_base *base;
    struct evhttp *http;
    PGconn *pg;
    PGconn *queue_pg; /* the outbox producer's own connection (svc_queue_connect) */
    const char *db_user, *password_env; /* borrowed from svc_init's caller */
    struct event *sig_term, *sig_int;
    volatile sig_atomic_t stopping;
    void (*metrics)(void *ctx, struct evbuffer *out);
    void *metrics_ctx;
    svc_prefix_route_t prefix_routes[SVC_MAX_PREFIX_ROUTES]; /* tried in order when no exact route matches */
    size_t n_prefix_routes;
};

/* Connect to PostgreSQL as role db_user (waiting for it), check the schema,
 * listen for HTTP on JIUYE_HTTP_ADDR:<port_env>. Returns 0 or -1 (logged). */
int svc_init(svc_t *s, const char *name, const char *db_user, const char *password_env,
             const char *port_env, int default_port) __attribute__((warn_unused_result));

/* Route an exact path (e.g. "/v1/events") to a handler. */
void svc_route(svc_t *s, const char *path, svc_route_fn fn, void *ctx);

/* Route every path that starts with prefix (e.g. "/v1/notifications/", for
 * "/v1/notifications/{id}/ack") and has no exact route to a handler; the first
 * matching prefix in the order added wins, anything else is a 404. prefix is
 * borrowed (keep it alive: a literal). Returns 0, or -1 when the table is full. */
int svc_route_prefix(svc_t *s, const char *prefix, svc_route_fn fn, void *ctx) __attribute__((warn_unused_result));

/* Run until SIGTERM/SIGINT. Returns 0. */
int svc_run(svc_t *s);
void svc_destroy(svc_t *s);

/* A second connection, as the service's role, for its outbox producer
 * (link.h): the producer's statements (load the next rows by seq, delete the
 * acknowledged ones by message_id) are the queue's, and must never become a
 * scan of the whole outbox, which holds every row deleted since the last
 * vacuum: PostgreSQL chose that plan (3-6 ms a call) after an analyze had
 * seen the outbox near empty. This session disables sequential scans and
 * keeps generic plans. Owned by s (svc_destroy). NULL when stopping. */
PGconn *svc_queue_connect(svc_t *s);

/* Append one Prometheus sample line "name{labels} value". labels may be NULL. */
void svc_metric(struct evbuffer *out, const char *name, const char *labels, double value);

#endif
