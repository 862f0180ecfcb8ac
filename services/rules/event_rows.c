/* event_rows.c: events kept for rules.events (see event_rows.h). */
#include "event_rows.h"

#include <stdint.h>
#include <stdlib.h>

#include "pg_rows.h"

#define INSERT_EVENTS                                                                                  \
    "INSERT INTO rules.events (source, event_id, type, occurred_on, event) "                           \
    "SELECT source, event_id, type, occurred_on::date, event "                                         \
    "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bytea[]) "                        \
    "AS u(source, event_id, type, occurred_on, event) ON CONFLICT DO NOTHING"

static const unsigned column_types[] = {PG_OID_TEXT, PG_OID_TEXT, PG_OID_TEXT, PG_OID_TEXT, PG_OID_BYTEA};
#define N_COLS (sizeof column_types / sizeof *column_types)

struct event_rows {
    pg_rows_t kept;
};

event_rows_t *event_rows_new(void) {
    event_rows_t *e = calloc(1, sizeof *e);
    if (!e) abort(); /* out of memory at start: let the supervisor restart us */
    pg_rows_init(&e->kept, N_COLS, column_types);
    return e;
}

void event_rows_destroy(event_rows_t **ep) {
    event_rows_t *e = *ep;
    if (!e) return;
    pg_rows_free(&e->kept);
    free(e);
    *ep = NULL;
}

static int rows_write(PGconn *pg, pg_rows_t *rows) {
    if (pg_rows_count(rows) == 0) return 0;
    PGresult *r = pg_rows_exec(pg, rows, INSERT_EVENTS);
    if (!r) return -1;
    PQclear(r);
    return 0;
}

static int flush(void *self, txn_t *t) { return rows_write(txn_pg(t), &((event_rows_t *)self)->kept); }

static void discard(void *self, txn_t *t, int whole) {
    (void)t, (void)whole; /* careful mode: earlier messages' rows were flushed, only this one's are here */
    pg_rows_clear(&((event_rows_t *)self)->kept);
}

const txn_part_t event_rows_part = {.name = "events", .flush = flush, .discard = discard, .end = NULL};

int event_rows_keep(txn_t *t, const Jiuye__Event *ev) {
    event_rows_t *e = txn_part(t, &event_rows_part);
    pg_rows_t alone, *rows = e ? &e->kept : &alone;
    if (!e) pg_rows_init(&alone, N_COLS, column_types);
    size_t len = jiuye__event__get_packed_size(ev);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) abort();
    jiuye__event__pack(ev, buf);
    const char *row[] = {ev->source, ev->event_id, ev->type, ev->occurred_on, (const char *)buf};
    const int lengths[] = {-1, -1, -1, -1, (int)len};
    pg_rows_add(rows, row, lengths);
    free(buf);
    if (e) return 0;
    int rc = rows_write(txn_pg(t), &alone);
    pg_rows_free(&alone);
    return rc;
}
