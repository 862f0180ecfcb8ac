/* upstream.c: GET requests to rules and subsidy from the loop (see upstream.h).
 *
 * A call's life:
 *   upstream_get(): a connection of its own, evhttp_make_request(), call on the in-flight list
 *   the reply (or a failure: req NULL / code 0) arrives: on_reply() unlinks the call,
 *       parses, calls the callback; the connection frees itself once the request is done
 *       (evhttp_connection_free_on_completion)
 *   upstream_destroy(): frees the connections still in flight; no callback runs. */
#include "upstream.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"

typedef struct call {
    upstream_t *u;
    struct call *prev, *next;
    struct evhttp_connection *conn;
    upstream_cb cb;
    void *arg;
} call_t;

struct upstream {
    struct event_base *base;
    char name[16];
    char host[256];
    int port;
    int timeout_s;
    call_t *inflight;
};

static void unlink_call(upstream_t *u, call_t *c) {
    if (c->prev) c->prev->next = c->next;
    else u->inflight = c->next;
    if (c->next) c->next->prev = c->prev;
}

upstream_t *upstream_new(struct event_base *base, const char *name, const char *url_env, const char *port_env,
                         int default_port) {
    char fallback[64];
    snprintf(fallback, sizeof fallback, "http://127.0.0.1:%ld", config_int(port_env, default_port, 1, 65535));
    const char *url = config_str(url_env, fallback);
    struct evhttp_uri *uri = evhttp_uri_parse(url);
    const char *scheme = uri ? evhttp_uri_get_scheme(uri) : NULL, *host = uri ? evhttp_uri_get_host(uri) : NULL,
               *path = uri ? evhttp_uri_get_path(uri) : NULL;
    upstream_t *u = NULL;
    if (!scheme || strcmp(scheme, "http") != 0 || !host || !*host || strlen(host) >= sizeof u->host ||
        (path && *path && strcmp(path, "/") != 0) || evhttp_uri_get_query(uri)) {
        log_error("%s: must be http://host[:port] without a path, not '%s'", url_env, url);
        goto out;
    }
    u = calloc(1, sizeof *u);
    if (!u) goto out;
    u->base = base;
    snprintf(u->name, sizeof u->name, "%s", name);
    snprintf(u->host, sizeof u->host, "%s", host);
    u->port = evhttp_uri_get_port(uri) > 0 ? evhttp_uri_get_port(uri) : 80;
    u->timeout_s = (int)config_int("NOTIFY_UPSTREAM_TIMEOUT_S", 10, 1, 600);
out:
    if (uri) evhttp_uri_free(uri);
    return u;
}

const char *upstream_name(const upstream_t *u) { return u->name; }

static void on_reply(struct evhttp_request *req, void *arg) {
    call_t *c = arg;
    unlink_call(c->u, c);
    int status = req ? evhttp_request_get_response_code(req) : 0;
    json_t *body = NULL;
    char err[400] = "";
    if (status == 0) {
        snprintf(err, sizeof err, "%s did not answer (%s:%d)", c->u->name, c->u->host, c->u->port);
    } else {
        struct evbuffer *in = evhttp_request_get_input_buffer(req);
        size_t len = evbuffer_get_length(in);
        const char *data = (const char *)evbuffer_pullup(in, (ev_ssize_t)len);
        json_error_t jerr;
        body = data ? json_loadb(data, len, 0, &jerr) : NULL;
        if (body && !json_is_object(body)) {
            json_decref(body);
            body = NULL;
        }
        if (!body) snprintf(err, sizeof err, "%s answered %d without a JSON object", c->u->name, status);
    }
    c->cb(c->arg, status, body, err);
    free(c);
}

int upstream_get(upstream_t *u, const char *path_query, const char *authorization, upstream_cb cb, void *arg) {
    if (strlen(path_query) > UPSTREAM_MAX_PATH) return -1;
    call_t *c = calloc(1, sizeof *c);
    if (!c) return -1;
    c->u = u, c->cb = cb, c->arg = arg;
    c->conn = evhttp_connection_base_new(u->base, NULL, u->host, (unsigned short)u->port);
    struct evhttp_request *req = c->conn ? evhttp_request_new(on_reply, c) : NULL;
    if (!req) goto fail;
    evhttp_connection_set_timeout(c->conn, u->timeout_s);
    evhttp_connection_set_max_body_size(c->conn, UPSTREAM_MAX_BODY);
    evhttp_connection_set_retries(c->conn, 0);
    char hostport[300];
    snprintf(hostport, sizeof hostport, "%s:%d", u->host, u->port);
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Host", hostport);
    evhttp_add_header(h, "Accept", "application/json");
    evhttp_add_header(h, "Connection", "close");
    if (authorization) evhttp_add_header(h, "Authorization", authorization);
    /* evhttp_make_request frees req itself when it fails */
    if (evhttp_make_request(c->conn, req, EVHTTP_REQ_GET, path_query) != 0) goto fail;
    evhttp_connection_free_on_completion(c->conn);
    c->next = u->inflight;
    if (u->inflight) u->inflight->prev = c;
    u->inflight = c;
    return 0;
fail:
    if (c->conn) evhttp_connection_free(c->conn);
    free(c);
    return -1;
}

void upstream_destroy(upstream_t **up) {
    upstream_t *u = *up;
    if (!u) return;
    while (u->inflight) {
        call_t *c = u->inflight;
        unlink_call(u, c);
        evhttp_connection_free(c->conn); /* frees its request without calling on_reply */
        free(c);
    }
    free(u);
    *up = NULL;
}
