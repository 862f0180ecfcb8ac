/* http_events.c: the HTTP front door for upstream systems (see http_events.h). */
#include "http_events.h"

#include <event2/buffer.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "access.h"
#include "date.h"
#include "event_codec.h"
#include "http.h"
#include "ingest.h"
#include "log.h"
#include "pg.h"
#include "store_thread.h"

static int is_ndjson(struct evhttp_request *req) {
    const char *ct = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
    return ct && strncasecmp(ct, "application/x-ndjson", 20) == 0;
}

/* Parse the body into a JSON array of elements (objects or not). Returns the
 * array, or NULL with err describing why the body is malformed. */
static json_t *parse_body(const char *body, size_t len, int ndjson, char *err, size_t errlen) {
    json_error_t jerr;
    if (!ndjson) {
        json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!doc) {
            snprintf(err, errlen, "malformed JSON at line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
            return NULL;
        }
        if (json_is_object(doc)) {
            json_t *arr = json_array();
            json_array_append_new(arr, doc);
            return arr;
        }
        if (json_is_array(doc)) return doc;
        json_decref(doc);
        snprintf(err, errlen, "body must be a JSON object or an array of objects");
        return NULL;
    }
    json_t *arr = json_array();
    size_t line_no = 0;
    for (const char *p = body, *end = body + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = nl ? nl : end;
        line_no++;
        const char *q = p;
        while (q < line_end && (*q == ' ' || *q == '\t' || *q == '\r')) q++;
        if (q < line_end) {
            json_t *doc = json_loadb(p, (size_t)(line_end - p), JSON_REJECT_DUPLICATES, &jerr);
            if (!doc) {
                snprintf(err, errlen, "malformed JSON on line %zu, column %d: %s", line_no, jerr.column, jerr.text);
                json_decref(arr);
                return NULL;
            }
            json_array_append_new(arr, doc);
        }
        p = nl ? nl + 1 : end;
    }
    return arr;
}

/* A request's batch on its way through the store thread (store_thread.h). The
 * request stays valid until it is answered: libevent detaches, rather than
 * frees, a request whose client hung up before the answer, and frees it then. */
typedef struct {
    store_job_t job; /* first: the store thread hands back &job */
    struct evhttp_request *req;
    intake_t *in;
} http_job_t;

/* The answer, once the batch is committed (or nothing was stored). */
static void http_batch_stored(store_job_t *stored) {
    http_job_t *job = (http_job_t *)stored;
    struct evhttp_request *req = job->req;
    ingest_item_t *items = stored->items;
    size_t n = stored->n;
    if (stored->rc != 0) {
        http_reply_error(req, 503, "database unavailable; nothing stored, try again");
    } else {
        link_producer_pump(job->in->to_rules);
        intake_metrics_count(&job->in->metrics, stored->source, items, n);
        json_t *results = json_array();
        for (size_t i = 0; i < n; i++) {
            ingest_item_t *it = &items[i];
            json_t *r = json_object();
            if (it->event_id[0])
                json_object_set_new(r, "event_id", json_string(it->event_id));
            else
                json_object_set_new(r, "index", json_integer(it->index));
            json_object_set_new(r, "status", json_string(ingest_status_name(it->status)));
            if (it->status == INGEST_REJECTED) json_object_set_new(r, "error", json_string(it->error));
            json_array_append_new(results, r);
        }
        http_reply_json(req, 200, json_pack("{s:o}", "results", results));
    }
    ingest_items_free(items, n);
    free(items);
    free(job);
}

void http_events(struct evhttp_request *req, const access_who_t *who, void *arg) {
    intake_t *in = arg;
    char err[512], source[80];
    snprintf(source, sizeof source, "%s", who->name); /* a source's token (svc.c let only sources in) */

    size_t len;
    char *body = http_body(req, &len);
    if (!body) {
        http_reply_error(req, 503, "out of memory");
        return;
    }
    if (len == 0) {
        free(body);
        http_reply_error(req, 400, "empty body: send a JSON event, an array of events, or NDJSON");
        return;
    }
    json_t *elements = parse_body(body, len, is_ndjson(req), err, sizeof err);
    free(body);
    if (!elements) {
        http_reply_error(req, 400, "%s; nothing stored", err);
        return;
    }
    size_t n = json_array_size(elements);
    if (n > INGEST_MAX_EVENTS) {
        json_decref(elements);
        http_reply_error(req, 413, "%zu events in one request; at most %d", n, INGEST_MAX_EVENTS);
        return;
    }
    if (n == 0) {
        json_decref(elements);
        http_reply_error(req, 400, "no events in the body");
        return;
    }

    ingest_item_t *items = calloc(n, sizeof *items);
    if (!items) {
        json_decref(elements);
        http_reply_error(req, 503, "out of memory");
        return;
    }
    jdate_t today = date_today();
    for (size_t i = 0; i < n; i++) {
        json_t *el = json_array_get(elements, i);
        ingest_item_t *it = &items[i];
        it->index = (long)i;
        it->type = event_type_index(json_string_value(json_object_get(el, "type")));
        if (!json_is_object(el)) {
            it->status = INGEST_REJECTED;
            snprintf(it->error, sizeof it->error, "element %zu: must be a JSON object", i);
            continue;
        }
        const char *id = event_json_id(el);
        snprintf(it->event_id, sizeof it->event_id, "%s", id ? id : "");
        it->ev = event_from_json(el, today, it->error, sizeof it->error);
        if (!it->ev) it->status = INGEST_REJECTED;
    }
    json_decref(elements);

    http_job_t *job = calloc(1, sizeof *job);
    if (!job) {
        ingest_items_free(items, n);
        free(items);
        http_reply_error(req, 503, "out of memory");
        return;
    }
    job->req = req;
    job->in = in;
    store_thread_push(in->store, &job->job, source, items, n, http_batch_stored);
}
