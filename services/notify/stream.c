/* stream.c: Server-Sent Events over evhttp chunked replies (see stream.h).
 *
 * A stream's life:
 *   stream_handle(): evhttp_send_reply_start, push(from the resume point)
 *   stream_hub_wake() / heartbeat: push() every stream that is behind
 *   the client goes away: evhttp calls on_close(): unlink, finish the detached request, free
 *   shutdown: stream_hub_destroy() clears the close callbacks and frees the streams;
 *             evhttp_free() then frees the connections and their requests.
 * A stream's `cursor` is the highest notification id it has been shown or checked
 * against its filters; `hub->newest` is the highest id known to exist, so a wake-up
 * costs one query for the hub plus one per stream that is really behind. */
#include "stream.h"

#include <event2/bufferevent.h>
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

typedef struct stream {
    stream_hub_t *hub;
    struct stream *prev, *next;
    struct evhttp_request *req;
    struct evhttp_connection *conn;
    long long cursor;
    char district[16], audience[16]; /* "" = all */
    long long staff_id;              /* a console stream's staff member, 0 for the internal route */
} stream_t;

struct stream_hub {
    struct event_base *base;
    PGconn *pg;
    struct event *heartbeat;
    stream_t *streams;
    size_t n;
    long max_streams;
    long long newest;
};

static void unlink_stream(stream_hub_t *h, stream_t *s) {
    if (s->prev) s->prev->next = s->next;
    else h->streams = s->next;
    if (s->next) s->next->prev = s->prev;
    h->n--;
}

static size_t buffered(const stream_t *s) {
    struct bufferevent *bev = evhttp_connection_get_bufferevent(s->conn);
    return bev ? evbuffer_get_length(bufferevent_get_output(bev)) : 0;
}

/* Send s what is newer than its cursor, a page at a time, while its reader keeps up. */
static void push(stream_t *s) {
    stream_hub_t *h = s->hub;
    while (s->cursor < h->newest && buffered(s) < STREAM_MAX_BUFFERED) {
        char after[24], upto[24], limit[16];
        snprintf(after, sizeof after, "%lld", s->cursor);
        snprintf(upto, sizeof upto, "%lld", h->newest);
        snprintf(limit, sizeof limit, "%d", STREAM_PAGE);
        const char *p[] = {s->district[0] ? s->district : NULL, s->audience[0] ? s->audience : NULL, after, upto, limit};
        PGresult *r = pg_exec(h->pg,
                              INBOX_SELECT "WHERE ($1::text IS NULL OR n.district = $1) AND "
                                           "($2::text IS NULL OR $2 = ANY(n.audience)) AND "
                                           "n.notification_id > $3::bigint AND n.notification_id <= $4::bigint "
                                           "ORDER BY n.notification_id LIMIT $5::int",
                              5, p);
        if (!r) return; /* tried again on the next wake-up or heartbeat */
        int rows = PQntuples(r);
        struct evbuffer *out = evbuffer_new();
        for (int i = 0; out && i < rows; i++) {
            json_t *n = inbox_row_json(r, i);
            char *data = n ? json_dumps(n, JSON_COMPACT) : NULL;
            json_decref(n);
            if (!data) break;
            s->cursor = inbox_row_id(r, i);
            /* compact JSON has no newline, so one data: line holds it */
            evbuffer_add_printf(out, "id: %lld\nevent: notification\ndata: %s\n\n", s->cursor, data);
            free(data);
        }
        if (rows < STREAM_PAGE) s->cursor = h->newest; /* checked up to newest */
        PQclear(r);
        if (out && evbuffer_get_length(out)) evhttp_send_reply_chunk(s->req, out);
        if (out) evbuffer_free(out);
        if (rows < STREAM_PAGE) break;
    }
}

/* Refresh hub->newest. Returns 0 or -1. */
static int refresh_newest(stream_hub_t *h) {
    PGresult *r = pg_exec(h->pg, "SELECT coalesce(max(notification_id), 0) FROM notify.notifications", 0, NULL);
    if (!r) return -1;
    h->newest = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return 0;
}

/* The client went away. libevent 2.1 detaches a request whose chunked reply is
 * unfinished from its failed connection instead of freeing it, leaving that to
 * evhttp_send_reply_end(), which frees a detached request. */
static void on_close(struct evhttp_connection *conn, void *arg) {
    (void)conn;
    stream_t *s = arg;
    unlink_stream(s->hub, s);
    if (!evhttp_request_get_connection(s->req)) evhttp_send_reply_end(s->req);
    free(s);
}

/* End the console streams of staff members revoked since they opened (the browser
 * reconnects, is refused, and the console returns to its login). One query per
 * heartbeat, only when console streams are open. */
static void drop_revoked(stream_hub_t *h) {
    struct evbuffer *ids = evbuffer_new();
    if (!ids) return;
    for (stream_t *s = h->streams; s; s = s->next)
        if (s->staff_id) evbuffer_add_printf(ids, "%s%lld", evbuffer_get_length(ids) ? "," : "{", s->staff_id);
    if (evbuffer_get_length(ids) == 0 || evbuffer_add(ids, "}", 2) != 0) {
        evbuffer_free(ids);
        return;
    }
    const char *p[] = {(const char *)evbuffer_pullup(ids, -1)};
    PGresult *r = pg_exec(h->pg,
                          "SELECT staff_id FROM notify.staff WHERE staff_id = ANY($1::bigint[]) AND revoked_at IS NULL", 1,
                          p);
    evbuffer_free(ids);
    if (!r) return; /* checked again at the next heartbeat */
    for (stream_t *s = h->streams, *next; s; s = next) {
        next = s->next;
        int active = !s->staff_id;
        for (int i = 0; !active && i < PQntuples(r); i++) active = strtoll(PQgetvalue(r, i, 0), NULL, 10) == s->staff_id;
        if (active) continue;
        evhttp_connection_set_closecb(s->conn, NULL, NULL);
        unlink_stream(h, s);
        evhttp_send_reply_end(s->req);
        free(s);
    }
    PQclear(r);
}

static void on_heartbeat(evutil_socket_t fd, short what, void *arg) {
    (void)fd, (void)what;
    stream_hub_t *h = arg;
    drop_revoked(h);
    for (stream_t *s = h->streams; s; s = s->next) {
        struct evbuffer *b = evbuffer_new();
        if (!b) break;
        evbuffer_add_printf(b, ": heartbeat\n\n");
        evhttp_send_reply_chunk(s->req, b);
        evbuffer_free(b);
    }
    stream_hub_wake(h); /* also resumes streams that waited for a slow reader */
}

void stream_hub_wake(stream_hub_t *h) {
    if (!h || !h->streams || refresh_newest(h) != 0) return;
    for (stream_t *s = h->streams; s; s = s->next) push(s);
}

/* The resume point: Last-Event-ID, else ?after=, else 0. Returns 0 or -1 if malformed. */
static int resume_point(struct evhttp_request *req, long long *out) {
    const char *hdr = evhttp_find_header(evhttp_request_get_input_headers(req), "Last-Event-ID");
    char *q = hdr ? NULL : http_query(req, "after");
    const char *v = hdr ? hdr : q;
    int rc = 0;
    *out = 0;
    if (v && *v) {
        if (strspn(v, "0123456789") != strlen(v) || strlen(v) > 18) rc = -1;
        else *out = strtoll(v, NULL, 10);
    }
    free(q);
    return rc;
}

void stream_open(stream_hub_t *h, struct evhttp_request *req, long long after, const char *district,
                 const char *audience, long long staff_id) {
    if ((long)h->n >= h->max_streams) {
        http_reply_error(req, 503, "too many streams open (%ld); try again later", h->max_streams);
        return;
    }
    if (refresh_newest(h) != 0) {
        http_reply_error(req, 503, "database unavailable");
        return;
    }
    stream_t *s = calloc(1, sizeof *s);
    if (!s) {
        http_reply_error(req, 503, "out of memory");
        return;
    }
    s->hub = h;
    s->req = req;
    s->conn = evhttp_request_get_connection(req);
    s->cursor = after;
    s->staff_id = staff_id;
    snprintf(s->district, sizeof s->district, "%s", district ? district : "");
    snprintf(s->audience, sizeof s->audience, "%s", audience ? audience : "");
    s->next = h->streams;
    if (h->streams) h->streams->prev = s;
    h->streams = s;
    h->n++;
    /* A stream is idle by design: no read/write timeout; heartbeats find dead peers. */
    evhttp_connection_set_timeout(s->conn, -1);
    evhttp_connection_set_closecb(s->conn, on_close, s);
    struct evkeyvalq *oh = evhttp_request_get_output_headers(req);
    evhttp_add_header(oh, "Content-Type", "text/event-stream; charset=utf-8");
    evhttp_add_header(oh, "Cache-Control", "no-cache");
    evhttp_add_header(oh, "X-Accel-Buffering", "no");
    evhttp_send_reply_start(req, 200, "OK");
    struct evbuffer *b = evbuffer_new();
    if (b) {
        evbuffer_add_printf(b, "retry: 2000\n\n");
        evhttp_send_reply_chunk(req, b);
        evbuffer_free(b);
    }
    push(s);
}

int stream_resume_point(struct evhttp_request *req, long long *after) { return resume_point(req, after); }

void stream_handle(struct evhttp_request *req, const access_who_t *who, void *arg) {
    stream_hub_t *h = *(stream_hub_t **)arg;
    int staff = who->role == ACCESS_STAFF;
    char *district = staff ? strdup(who->district) : http_query(req, "district"),
         *audience = staff ? strdup(who->department) : http_query(req, "audience");
    long long after;
    if (resume_point(req, &after) != 0) {
        http_reply_error(req, 400, "Last-Event-ID / after: must be a notification id (a non-negative integer)");
    } else if (district && !district_name(district)) {
        http_reply_error(req, 400, "district: unknown district code '%.8s'", district);
    } else if (audience && !audience_label(audience)) {
        http_reply_error(req, 400, "audience: unknown audience code (cdpf, hrss, finance, ...)");
    } else {
        stream_open(h, req, after, district, audience, staff ? who->id : 0); /* a staff stream ends with its member */
    }
    free(district);
    free(audience);
}

stream_hub_t *stream_hub_new(struct event_base *base, PGconn *pg) {
    stream_hub_t *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->base = base;
    h->pg = pg;
    h->max_streams = config_int("NOTIFY_SSE_MAX_STREAMS", 256, 1, 10000);
    long ms = config_int("NOTIFY_SSE_HEARTBEAT_MS", 15000, 10, 3600000);
    h->heartbeat = event_new(base, -1, EV_PERSIST, on_heartbeat, h);
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    if (!h->heartbeat || event_add(h->heartbeat, &tv) != 0) {
        stream_hub_destroy(&h);
        return NULL;
    }
    return h;
}

void stream_hub_metrics(stream_hub_t *h, struct evbuffer *out) {
    evbuffer_add_printf(out, "jiuye_sse_streams %zu\n", h->n);
}

void stream_hub_destroy(stream_hub_t **hp) {
    stream_hub_t *h = *hp;
    if (!h) return;
    while (h->streams) {
        stream_t *s = h->streams;
        evhttp_connection_set_closecb(s->conn, NULL, NULL);
        unlink_stream(h, s);
        free(s);
    }
    if (h->heartbeat) event_free(h->heartbeat);
    free(h);
    *hp = NULL;
}
