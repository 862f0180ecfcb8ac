/* event_rows.c: events kept for rules.events (see event_rows.h). */
#include "event_rows.h"

#include <stdint.h>
#include <stdlib.h>

#define INSERT_EVENTS                                                                                  \
    "INSERT INTO rules.events (source, event_id, type, occurred_on, event) "                           \
    "SELECT source, event_id, type, occurred_on::date, event "                                         \
    "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bytea[]) "                        \
    "AS u(source, event_id, type, occurred_on, event) ON CONFLICT DO NOTHING"

static const unsigned column_types[] = {PG_OID_TEXT, PG_OID_TEXT, PG_OID_TEXT, PG_OID_TEXT, PG_OID_BYTEA};
#define N_COLS ((int)(sizeof column_types / sizeof *column_types))

const txn_part_t event_rows_part = PG_ROWS_PART("events");

pg_rows_kept_t *event_rows_new(void) { return pg_rows_kept_new(INSERT_EVENTS, N_COLS, column_types); }

int event_rows_keep(txn_t *t, const Jiuye__Event *ev) {
    size_t len = jiuye__event__get_packed_size(ev);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) abort();
    jiuye__event__pack(ev, buf);
    const char *row[] = {ev->source, ev->event_id, ev->type, ev->occurred_on, (const char *)buf};
    const int lengths[] = {-1, -1, -1, -1, (int)len};
    int rc = pg_rows_keep(t, &event_rows_part, INSERT_EVENTS, N_COLS, column_types, row, lengths);
    free(buf);
    return rc;
}
