/* ingest.c: storing accepted events with their outbox messages (see ingest.h). */
#include "ingest.h"

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

/* Insert one event; sets item->status. Returns 0, or -1 on a database error. */
static int store_one(PGconn *pg, const char *source, ingest_item_t *item, const char *received_at) {
    Jiuye__Event *ev = item->ev;
    json_t *canon = event_to_json(ev);
    char *body = canon ? json_dumps(canon, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(canon);
    if (!body) {
        item->status = INGEST_REJECTED;
        snprintf(item->error, sizeof item->error, "event: cannot be encoded");
        return 0;
    }
    uint8_t digest[32];
    char hex[65], digest_param[70];
    sha256(body, strlen(body), digest);
    hex_encode(digest, 32, hex);
    snprintf(digest_param, sizeof digest_param, "\\x%s", hex);

    const char *p[] = {source, ev->event_id, ev->type, ev->occurred_on, ev->district, body, digest_param};
    PGresult *r = pg_exec(pg,
                          "INSERT INTO intake.events (source, event_id, type, occurred_on, district, body, body_sha256) "
                          "VALUES ($1, $2, $3, $4::date, $5, $6::jsonb, $7::bytea) ON CONFLICT DO NOTHING",
                          7, p);
    free(body);
    if (!r) return -1;
    int inserted = strcmp(PQcmdTuples(r), "1") == 0;
    PQclear(r);
    if (!inserted) {
        const char *q[] = {source, ev->event_id, digest_param};
        r = pg_exec(pg, "SELECT body_sha256 = $3::bytea FROM intake.events WHERE source = $1 AND event_id = $2", 3, q);
        if (!r) return -1;
        int same = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
        PQclear(r);
        item->status = same ? INGEST_DUPLICATE : INGEST_REJECTED;
        if (!same)
            snprintf(item->error, sizeof item->error,
                     "event_id: already used by this source for an event with different content");
        return 0;
    }

    /* The rules service sees the event exactly as stored, with who sent it and when. */
    /* Unset strings point at protobuf-c's shared empty string, which is not ours to free. */
    if (ev->source != protobuf_c_empty_string) free(ev->source);
    if (ev->received_at != protobuf_c_empty_string) free(ev->received_at);
    ev->source = strdup(source);
    ev->received_at = strdup(received_at);
    if (!ev->source || !ev->received_at) return -1;
    char message_id[200];
    snprintf(message_id, sizeof message_id, "intake/%s/%s", source, ev->event_id);
    Jiuye__Envelope env = JIUYE__ENVELOPE__INIT;
    env.message_id = message_id;
    env.producer = "intake";
    env.body_case = JIUYE__ENVELOPE__BODY_EVENT;
    env.event = ev;
    if (link_outbox_put(pg, "intake", &env) != 0) return -1;
    item->status = INGEST_ACCEPTED;
    return 0;
}

int ingest_store(PGconn *pg, const char *source, ingest_item_t *items, size_t n) {
    char received_at[32];
    now_rfc3339(received_at, sizeof received_at);
    if (pg_begin(pg) != 0) return -1;
    for (size_t i = 0; i < n; i++) {
        if (!items[i].ev) continue;
        if (store_one(pg, source, &items[i], received_at) != 0) goto fail;
    }
    if (pg_commit(pg) != 0) goto fail;
    return 0;
fail:
    pg_rollback(pg);
    return -1;
}
