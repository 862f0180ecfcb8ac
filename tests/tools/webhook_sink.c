/* webhook_sink: a webhook receiver for the e2e tests (loopback only).
 *
 *   webhook_sink PORT DIR [PATH=STATUS[,STATUS...]]...
 *
 * Answers each POST to PATH with the next status of its sequence (the last one
 * repeats; paths not named get 200), a 2xx with {"errcode":0,"errmsg":"ok"} as the
 * group robots do. Records request n (numbered on from what DIR/requests.log
 * already holds, so a restarted sink appends) as DIR/n.body (the exact bytes) and
 * one line of DIR/requests.log:
 *   n <TAB> path <TAB> status answered <TAB> Idempotency-Key <TAB> X-Signature <TAB> full URI
 * ("-" for a missing header). Runs until SIGTERM/SIGINT. */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROUTES 32
#define MAX_STATUSES 32

static struct {
    char path[256];
    int statuses[MAX_STATUSES];
    int n, next;
} routes[MAX_ROUTES];
static int n_routes;
static const char *dir;
static long counter;

static int next_status(const char *path) {
    for (int i = 0; i < n_routes; i++)
        if (strcmp(routes[i].path, path) == 0) {
            int k = routes[i].next < routes[i].n ? routes[i].next++ : routes[i].n - 1;
            return routes[i].statuses[k];
        }
    return 200;
}

static void on_request(struct evhttp_request *req, void *arg) {
    (void)arg;
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = evhttp_uri_get_path(uri);
    struct evkeyvalq *in = evhttp_request_get_input_headers(req);
    const char *key = evhttp_find_header(in, "Idempotency-Key"), *sig = evhttp_find_header(in, "X-Signature");
    int status = next_status(path ? path : "/");
    long n = ++counter;
    char file[4096];
    snprintf(file, sizeof file, "%s/%ld.body", dir, n);
    struct evbuffer *body = evhttp_request_get_input_buffer(req);
    FILE *f = fopen(file, "wb");
    if (f) {
        size_t len = evbuffer_get_length(body);
        if (len) fwrite(evbuffer_pullup(body, -1), 1, len, f);
        fclose(f);
    }
    snprintf(file, sizeof file, "%s/requests.log", dir);
    f = fopen(file, "a");
    if (f) {
        fprintf(f, "%ld\t%s\t%d\t%s\t%s\t%s\n", n, path ? path : "/", status, key ? key : "-", sig ? sig : "-",
                evhttp_request_get_uri(req));
        fclose(f);
    }
    struct evbuffer *out = evbuffer_new();
    if (status >= 200 && status < 300) evbuffer_add_printf(out, "{\"errcode\":0,\"errmsg\":\"ok\"}");
    else evbuffer_add_printf(out, "status %d", status);
    evhttp_send_reply(req, status, "sink", out);
    evbuffer_free(out);
}

static void on_signal(evutil_socket_t sig, short what, void *arg) {
    (void)sig, (void)what;
    event_base_loopexit(arg, NULL);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: webhook_sink PORT DIR [PATH=STATUS[,STATUS...]]...\n");
        return 2;
    }
    dir = argv[2];
    for (int i = 3; i < argc && n_routes < MAX_ROUTES; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq || (size_t)(eq - argv[i]) >= sizeof routes[0].path) return 2;
        snprintf(routes[n_routes].path, sizeof routes[0].path, "%.*s", (int)(eq - argv[i]), argv[i]);
        for (char *s = eq + 1; *s && routes[n_routes].n < MAX_STATUSES;) {
            routes[n_routes].statuses[routes[n_routes].n++] = (int)strtol(s, &s, 10);
            if (*s == ',') s++;
        }
        if (routes[n_routes].n == 0) return 2;
        n_routes++;
    }
    char log[4096];
    snprintf(log, sizeof log, "%s/requests.log", dir);
    FILE *f = fopen(log, "r");
    if (f) {
        int c;
        while ((c = fgetc(f)) != EOF) counter += c == '\n';
        fclose(f);
    }
    struct event_base *base = event_base_new();
    struct evhttp *http = evhttp_new(base);
    if (!base || !http || evhttp_bind_socket(http, "127.0.0.1", (ev_uint16_t)atoi(argv[1])) != 0) {
        fprintf(stderr, "webhook_sink: cannot listen on 127.0.0.1:%s\n", argv[1]);
        return 1;
    }
    evhttp_set_gencb(http, on_request, NULL);
    struct event *term = evsignal_new(base, SIGTERM, on_signal, base), *intr = evsignal_new(base, SIGINT, on_signal, base);
    event_add(term, NULL);
    event_add(intr, NULL);
    event_base_dispatch(base);
    event_free(term);
    event_free(intr);
    evhttp_free(http);
    event_base_free(base);
    return 0;
}
