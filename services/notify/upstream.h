/* upstream.h: notify's calls to the other services' staff APIs (rules
 * /v1/decisions, subsidy /v1/awards and /v1/kpi) for the console, so that the
 * browser talks to notify alone and no other service is exposed cross-origin.
 *
 * Requests run inside the event loop with libevent's own HTTP client (the loop
 * already serves HTTP with it; no thread, no blocking call). Each call has a
 * timeout (NOTIFY_UPSTREAM_TIMEOUT_S, 10) and a cap on the reply
 * (UPSTREAM_MAX_BODY); a reply must be a JSON object.
 *
 * Where: NOTIFY_RULES_URL and NOTIFY_SUBSIDY_URL ("http://host:port", no path),
 * by default http://127.0.0.1:$RULES_HTTP_PORT (8081) and :$SUBSIDY_HTTP_PORT (8082). */
#ifndef JIUYE_NOTIFY_UPSTREAM_H
#define JIUYE_NOTIFY_UPSTREAM_H

#include <event2/event.h>
#include <jansson.h>

#define UPSTREAM_MAX_BODY (8 * 1024 * 1024)
#define UPSTREAM_MAX_PATH 1024

typedef struct upstream upstream_t; /* one service's address */

/* Called once per upstream_get(): status is the HTTP status (0: no answer, err
 * says why), body the parsed JSON object (NULL if the reply was not one; the
 * callback owns it). */
typedef void (*upstream_cb)(void *arg, int status, json_t *body, const char *err);

/* The service at url_env, else http://127.0.0.1:<port_env or default_port>.
 * Returns NULL (logged) when the URL is not http://host[:port]. Caller owns it. */
upstream_t *upstream_new(struct event_base *base, const char *name, const char *url_env, const char *port_env,
                         int default_port);

/* GET path_query ("/v1/kpi?year=2024", already encoded) with the Authorization header
 * value authorization (the caller's own, so that the service holding the data checks
 * the caller's scope and logs the look in the caller's name; NULL: none) and call
 * cb(arg, ...) from the loop later, never from inside this call. Returns 0, or -1 when the request could not
 * be started (cb is not called). */
int upstream_get(upstream_t *u, const char *path_query, const char *authorization, upstream_cb cb, void *arg) __attribute__((warn_unused_result));

/* The service's name ("rules") for messages. */
const char *upstream_name(const upstream_t *u);

/* Cancel what is in flight (their callbacks are not called) and free; accepts NULL,
 * nulls the pointer. */
void upstream_destroy(upstream_t **u);

#endif
