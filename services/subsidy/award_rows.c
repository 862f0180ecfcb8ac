/* award_rows.c: awards kept for one statement (see award_rows.h). */
#include "award_rows.h"

#include <stdlib.h>

#include "pg_rows.h"

struct award_rows {
    pg_rows_t kept; /* in the order stored */
};

#define INSERT_AWARDS                                                                                              \
    "INSERT INTO subsidy.awards (award_id, decision_id, program, rule, beneficiary, district, year, "               \
    "amount_fen, status, slot, reverses_award_id, body, limit_key, replaces_award_id) "                             \
    "SELECT award_id, decision_id, program, rule, beneficiary, district, year::int, "                               \
    "amount_fen::bigint, status, slot::int, reverses_award_id, body::jsonb, limit_key, "                            \
    "replaces_award_id FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], "                    \
    "$6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], "                       \
    "$13::text[], $14::text[]) AS u(award_id, decision_id, program, rule, beneficiary, district, "                  \
    "year, amount_fen, status, slot, reverses_award_id, body, limit_key, replaces_award_id)"

award_rows_t *award_rows_new(void) {
    award_rows_t *a = calloc(1, sizeof *a);
    if (!a) abort(); /* out of memory at start: let the supervisor restart us */
    pg_rows_init(&a->kept, AWARD_ROW_COLS, NULL);
    return a;
}

void award_rows_destroy(award_rows_t **ap) {
    award_rows_t *a = *ap;
    if (!a) return;
    pg_rows_free(&a->kept);
    free(a);
    *ap = NULL;
}

/* Deferred in the consumer's fast mode, like its other writes. */
static int flush(void *self, txn_t *t) {
    award_rows_t *a = self;
    if (pg_rows_count(&a->kept) == 0) return 0;
    return pg_rows_cmd(txn_pg(t), &a->kept, INSERT_AWARDS);
}

static void discard(void *self, txn_t *t, int whole) {
    (void)t, (void)whole; /* careful mode: earlier messages' rows were flushed, only this one's are here */
    pg_rows_clear(&((award_rows_t *)self)->kept);
}

const txn_part_t award_rows_part = {.name = "awards", .flush = flush, .discard = discard, .end = NULL};

int award_rows_add(txn_t *t, const char *const *values) {
    award_rows_t *a = txn_part(t, &award_rows_part);
    if (a) {
        pg_rows_add(&a->kept, values, NULL);
        return 0;
    }
    pg_rows_t one = PG_ROWS_TEXT(AWARD_ROW_COLS);
    pg_rows_add(&one, values, NULL);
    int rc = pg_rows_cmd(txn_pg(t), &one, INSERT_AWARDS);
    pg_rows_free(&one);
    return rc;
}

int award_rows_before_read(txn_t *t) { return txn_flush_part(t, &award_rows_part); }
