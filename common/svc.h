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
#include <stdio.h>

typedef struct svc svc_t;
struct access_who;

/* A route's handler: who is the authenticated caller (role 0 on a public route),
 * ctx what svc_routes() was given with the route's table. */
typedef void (*svc_route_fn)(struct evhttp_request *req, const struct access_who *who, void *ctx);

#define SCHEMA_VERSION 17 /* the highest migration this build knows */
#define SVC_MAX_TABLES 8

/* One route and its access rule per method: the roles (ACCESS_* bits of
 * access.h) that may call it with GET (and HEAD) and with POST; 0 means the
 * method is not served (405). A route with no rule at all is refused by
 * svc_routes(): nothing is open by omission. A path segment written "{name}"
 * matches any one segment ("/v1/notifications/{id}/ack"); the handler reads it. */
typedef struct svc_route {
    const char *path;
    unsigned get, post;
    svc_route_fn fn;
} svc_route_t;

typedef struct svc_route_table {
    const svc_route_t *routes; /* borrowed: a static table */
    size_t n;
    void *ctx;
} svc_route_table_t;

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
    svc_route_table_t tables[SVC_MAX_TABLES]; /* tried in order; the first match wins */
    size_t n_tables;
    struct access_throttle *throttle; /* failed tokens per address (access.h) */
    const char *trusted_proxy;        /* JIUYE_TRUSTED_PROXY: whose X-Real-IP names the client */
};

/* Add a table of n routes whose handlers get ctx. Call before svc_init (ctx may
 * be an address filled in later: the routes are only called once the loop runs)
 * and before svc_cli, which prints them. Returns 0, or -1 (logged: which route)
 * when a route has no rule, an unknown role bit, or public beside roles, or when
 * there are more than SVC_MAX_TABLES tables: the service must then not start. */
int svc_routes(svc_t *s, const svc_route_t *routes, size_t n, void *ctx) __attribute__((warn_unused_result));

/* The command line of a service binary: no argument (returns -1: go on and
 * start), or --routes (prints every route and method as "METHOD PATH ACCESS",
 * ACCESS "public" or roles joined by commas, without connecting to anything;
 * returns 0), or anything else (usage on stderr; returns 2). */
int svc_cli(svc_t *s, int argc, char **argv);

/* Write a route's "METHOD PATH ACCESS" lines (see svc_cli) to out. */
void svc_routes_print(const svc_t *s, FILE *out);

/* Connect to PostgreSQL as role db_user (waiting for it), check the schema,
 * listen for HTTP on JIUYE_HTTP_ADDR:<port_env> and serve the routes added so
 * far (and /healthz, /readyz: public; /metrics: the metrics and operator roles).
 * s must be zeroed before its first svc_routes(). Returns 0 or -1 (logged). */
int svc_init(svc_t *s, const char *name, const char *db_user, const char *password_env,
             const char *port_env, int default_port) __attribute__((warn_unused_result));

/* Run until SIGTERM/SIGINT. Returns 0. */
int svc_run(svc_t *s);
/* Free what svc_init made (HTTP server, connections, ZeroMQ context: call it
 * after every link is destroyed) and zero s; fine after a failed svc_init. */
void svc_destroy(svc_t *s);

/* A second connection, as the service's role, for its outbox producer
 * (link.h): the producer's statements (load the next rows by seq, delete the
 * acknowledged ones by message_id) are the queue's, and must never become a
 * scan of the whole outbox, which holds every row deleted since the last
 * vacuum: PostgreSQL chose that plan after an analyze had
 * seen the outbox near empty. Its PostgreSQL session disables sequential scans and
 * keeps generic plans. Owned by s (svc_destroy). NULL when stopping. */
PGconn *svc_queue_connect(svc_t *s);


#endif
