/* ingest.c: storing accepted events with their outbox messages (see ingest.h). */
#include "ingest.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "envelope.pb-c.h"
#include "event_codec.h"
#include "link.h"
#include "log.h"
#include "pg.h"
#include "token.h"

const char *ingest_status_name(ingest_status_t st) {
    static const char *const names[] = {"accepted", "duplicate", "rejected"};
    return names[st];
}

void ingest_items_free(ingest_item_t *items, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (items[i].ev) jiuye__event__free_unpacked(items[i].ev, NULL);
        items[i].ev = NULL;
    }
}

static void now_rfc3339(char *out, size_t len) {
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A store thread's transaction and its buffers, kept between transactions
 * (one store thread), so storing allocates only the bodies. */
struct ingest {
    txn_t txn;
    link_outbox_t *outbox; /* joined to txn: the events' outbox rows, one INSERT */
    /* The transaction's rows: every item of its batches, in order, with its source. */
    size_t n;
    ingest_item_t *item[INGEST_MAX_EVENTS];
    const char *source[INGEST_MAX_EVENTS];
    /* The rows' columns, as binary array parameters of one INSERT. */
    pg_array_t sources, ids, types, dates, districts, bodies, digests;
    char *body[INGEST_MAX_EVENTS];  /* canonical JSON per row, NULL when not stored */
    uint8_t digest[INGEST_MAX_EVENTS][32];
};

ingest_t *ingest_new(PGconn *pg) {
    ingest_t *g = calloc(1, sizeof *g);
    if (!g) abort(); /* out of memory at start: let the supervisor restart us */
    txn_init(&g->txn, pg);
    g->outbox = link_outbox_new("intake");
    txn_join(&g->txn, &link_outbox_part, g->outbox);
    return g;
}

void ingest_destroy(ingest_t **gp) {
    ingest_t *g = *gp;
    if (!g) return;
    link_outbox_destroy(&g->outbox);
    pg_array_t *cols[] = {&g->sources, &g->ids, &g->types, &g->dates, &g->districts, &g->bodies, &g->digests};
    for (size_t i = 0; i < sizeof cols / sizeof *cols; i++) pg_array_free(cols[i]);
    free(g);
    *gp = NULL;
}

static void flatten(ingest_t *g, const ingest_batch_t *batches, size_t n_batches) {
    g->n = 0;
    for (size_t b = 0; b < n_batches; b++)
        for (size_t i = 0; i < batches[b].n; i++) {
            assert(g->n < INGEST_MAX_EVENTS);
            g->item[g->n] = &batches[b].items[i];
            g->source[g->n++] = batches[b].source;
        }
}

/* Canonical body and digest of every valid item (rejecting what cannot be
 * encoded), appended to the column arrays. Returns how many g-> */
static int build_rows(ingest_t *g) {
    pg_array_reset(&g->sources, PG_OID_TEXT);
    pg_array_reset(&g->ids, PG_OID_TEXT);
    pg_array_reset(&g->types, PG_OID_TEXT);
    pg_array_reset(&g->dates, PG_OID_TEXT);
    pg_array_reset(&g->districts, PG_OID_TEXT);
    pg_array_reset(&g->bodies, PG_OID_TEXT);
    pg_array_reset(&g->digests, PG_OID_BYTEA);
    int stored = 0;
    for (size_t i = 0; i < g->n; i++) {
        g->body[i] = NULL;
        ingest_item_t *item = g->item[i];
        Jiuye__Event *ev = item->ev;
        if (!ev) continue;
        json_t *canon = event_to_json(ev);
        char *body = canon ? json_dumps(canon, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        json_decref(canon);
        if (!body) {
            item->status = INGEST_REJECTED;
            snprintf(item->error, sizeof item->error, "event: cannot be encoded");
            continue;
        }
        size_t body_len = strlen(body);
        sha256(body, body_len, g->digest[i]);
        g->body[i] = body;
        pg_array_add(&g->sources, g->source[i], strlen(g->source[i]));
        pg_array_add(&g->ids, ev->event_id, strlen(ev->event_id));
        pg_array_add(&g->types, ev->type, strlen(ev->type));
        pg_array_add(&g->dates, ev->occurred_on, strlen(ev->occurred_on));
        pg_array_add(&g->districts, ev->district, strlen(ev->district));
        pg_array_add(&g->bodies, body, body_len);
        pg_array_add(&g->digests, g->digest[i], 32);
        stored++;
    }
    return stored;
}

/* An event_id the batch insert did not take: the same event again (duplicate)
 * or the same id with other content (rejected). Returns 0, or -1 on a database error. */
static int classify_conflict(PGconn *pg, const char *source, ingest_item_t *item, const uint8_t digest[32]) {
    char hex[65], digest_param[70];
    hex_encode(digest, 32, hex);
    snprintf(digest_param, sizeof digest_param, "\\x%s", hex);
    const char *q[] = {source, item->ev->event_id, digest_param};
    PGresult *r = pg_exec(pg, "SELECT body_sha256 = $3::bytea FROM intake.events WHERE source = $1 AND event_id = $2", 3, q);
    if (!r) return -1;
    int same = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    item->status = same ? INGEST_DUPLICATE : INGEST_REJECTED;
    if (!same)
        snprintf(item->error, sizeof item->error, "event_id: already used by this source for an event with different content");
    return 0;
}

/* The id of the outbox message that carries a stored event to the rules service. */
static void message_id_of(const char *source, const char *event_id, char *out, size_t len) {
    snprintf(out, len, "intake/%s/%s", source, event_id);
}

/* The outbox message of a stored event: the rules service sees the event
 * exactly as stored, with who sent it and when. Returns 0 or -1. */
static int put_message(txn_t *t, const char *source, ingest_item_t *item, const char *received_at) {
    Jiuye__Event *ev = item->ev;
    /* Unset strings point at protobuf-c's shared empty string, which is not ours to free. */
    if (ev->source != protobuf_c_empty_string) free(ev->source);
    if (ev->received_at != protobuf_c_empty_string) free(ev->received_at);
    ev->source = strdup(source);
    ev->received_at = strdup(received_at);
    if (!ev->source || !ev->received_at) return -1;
    char message_id[200];
    message_id_of(source, ev->event_id, message_id, sizeof message_id);
    Jiuye__Envelope env = JIUYE__ENVELOPE__INIT;
    env.message_id = message_id;
    env.producer = "intake";
    env.body_case = JIUYE__ENVELOPE__BODY_EVENT;
    env.event = ev;
    if (link_outbox_put(t, "intake", &env) != 0) return -1;
    item->status = INGEST_ACCEPTED;
    return 0;
}

/* Is returned row j the row of (source, id)? */
static int returned_is(const PGresult *r, int j, const char *source, const char *id) {
    return strcmp(PQgetvalue(r, j, 1), id) == 0 && strcmp(PQgetvalue(r, j, 0), source) == 0;
}

/* One INSERT for all the rows (unnest of the column arrays); it returns the
 * (source, event_id) pairs it took, in the rows' order. A pair that comes twice
 * is taken the first time; later ones are classified like any conflict.
 * Outbox rows are collected and written with one INSERT too (link.h). */
static int store_rows(ingest_t *g, const char *received_at) {
    PGconn *pg = txn_pg(&g->txn);
    const char *p[] = {pg_array_data(&g->sources),   pg_array_data(&g->ids),    pg_array_data(&g->types),
                       pg_array_data(&g->dates),     pg_array_data(&g->districts), pg_array_data(&g->bodies),
                       pg_array_data(&g->digests)};
    int lengths[] = {pg_array_len(&g->sources), pg_array_len(&g->ids),       pg_array_len(&g->types),
                     pg_array_len(&g->dates),   pg_array_len(&g->districts), pg_array_len(&g->bodies),
                     pg_array_len(&g->digests)};
    int formats[] = {1, 1, 1, 1, 1, 1, 1};
    PGresult *r = pg_exec_bin(pg,
                              "INSERT INTO intake.events (source, event_id, type, occurred_on, district, body, body_sha256) "
                              "SELECT u.source, u.event_id, u.type, u.occurred_on::date, u.district, u.body::jsonb, u.sha "
                              "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], "
                              "$7::bytea[]) AS u(source, event_id, type, occurred_on, district, body, sha) "
                              "ON CONFLICT DO NOTHING RETURNING source, event_id",
                              7, p, lengths, formats, 0);
    if (!r) return -1;
    int returned = PQntuples(r), next = 0, rc = 0;
    char used[INGEST_MAX_EVENTS] = {0};
    for (size_t i = 0; i < g->n && rc == 0; i++) {
        if (!g->body[i]) continue;
        ingest_item_t *item = g->item[i];
        const char *source = g->source[i], *id = item->ev->event_id;
        int at = -1; /* the returned row for this item: the next one, else searched */
        if (next < returned && !used[next] && returned_is(r, next, source, id)) at = next++;
        for (int j = 0; at < 0 && j < returned; j++)
            if (!used[j] && returned_is(r, j, source, id)) at = j;
        if (at >= 0) {
            used[at] = 1;
            rc = put_message(&g->txn, source, item, received_at);
        } else {
            rc = classify_conflict(pg, source, item, g->digest[i]);
        }
    }
    PQclear(r);
    return rc;
}

/* After the commit, a debug line per event under its event_id (and its message's id when
 * accepted: log.h's context), so that `grep <event_id>` finds what intake made of it. */
static void log_outcomes(const ingest_t *g) {
    if (!log_enabled(LOG_DEBUG)) return;
    char message_id[200];
    for (size_t i = 0; i < g->n; i++) {
        const ingest_item_t *item = g->item[i];
        message_id_of(g->source[i], item->event_id, message_id, sizeof message_id);
        log_context_set(item->event_id[0] ? item->event_id : NULL, item->status == INGEST_ACCEPTED ? message_id : NULL);
        log_debug("event from %s: %s%s%s", g->source[i], ingest_status_name(item->status), item->error[0] ? ": " : "",
                  item->error);
        log_context_clear();
    }
}

int ingest_store_batches(ingest_t *g, const ingest_batch_t *batches, size_t n_batches) {
    char received_at[32];
    now_rfc3339(received_at, sizeof received_at);
    flatten(g, batches, n_batches);
    int stored = build_rows(g), rc = -1;
    if (txn_begin(&g->txn) != 0) goto done;
    if (stored > 0 && store_rows(g, received_at) != 0) {
        txn_rollback(&g->txn);
        goto done;
    }
    if (txn_commit(&g->txn) != 0) goto done; /* rolled back */
    rc = 0;
    log_outcomes(g);
done:
    for (size_t i = 0; i < g->n; i++) {
        free(g->body[i]);
        g->body[i] = NULL;
    }
    return rc;
}
