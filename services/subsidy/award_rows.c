/* award_rows.c: awards kept for one statement (see award_rows.h). */
#include "award_rows.h"

#define INSERT_AWARDS                                                                                              \
    "INSERT INTO subsidy.awards (award_id, decision_id, program, rule, beneficiary, district, year, "               \
    "amount_fen, status, slot, reverses_award_id, body, limit_key, replaces_award_id) "                             \
    "SELECT award_id, decision_id, program, rule, beneficiary, district, year::int, "                               \
    "amount_fen::bigint, status, slot::int, reverses_award_id, body::jsonb, limit_key, "                            \
    "replaces_award_id FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], "                    \
    "$6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], "                       \
    "$13::text[], $14::text[]) AS u(award_id, decision_id, program, rule, beneficiary, district, "                  \
    "year, amount_fen, status, slot, reverses_award_id, body, limit_key, replaces_award_id)"

const txn_part_t award_rows_part = PG_ROWS_PART("awards");

pg_rows_kept_t *award_rows_new(void) { return pg_rows_kept_new(INSERT_AWARDS, AWARD_ROW_COLS, NULL); }

int award_rows_add(txn_t *t, const char *const *values) {
    return pg_rows_keep(t, &award_rows_part, INSERT_AWARDS, AWARD_ROW_COLS, NULL, values, NULL);
}

int award_rows_before_read(txn_t *t) { return txn_flush_part(t, &award_rows_part); }
