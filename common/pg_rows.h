/* pg_rows.h: rows kept in memory and written with one statement.
 *
 * A consumer's handlers run once per message; a table they only write (nothing
 * in the same transaction reads it back) need not cost a statement per row:
 * the handler adds its row here and the participant that keeps them (txn.h)
 * writes them all before COMMIT with one statement
 * that takes each column as an array parameter, for instance
 *
 *   INSERT INTO t (a, b, c) SELECT a, b::date, c FROM unnest($1::text[], $2::text[], $3::bytea[]) AS u(a, b, c)
 *
 * Columns are text (cast in the statement as needed) or bytea; a NULL value is
 * SQL NULL. Rows keep their order (unnest preserves it). Buffers are kept from
 * one batch to the next: a batch costs no allocation once the largest was seen.
 * Allocation failure aborts (xalloc.h). */
#ifndef JIUYE_PG_ROWS_H
#define JIUYE_PG_ROWS_H

#include <libpq-fe.h>

#include "pg.h"
#include "txn.h"

#define PG_ROWS_MAX_COLS 16

typedef struct {
    int ncols, count;
    unsigned oids[PG_ROWS_MAX_COLS];
    pg_array_t cols[PG_ROWS_MAX_COLS];
} pg_rows_t;

/* Static initializers, no pg_rows_init() needed: PG_ROWS_TEXT(3) is three
 * text columns, PG_ROWS(2, PG_OID_TEXT, PG_OID_BYTEA) gives each column's type
 * (a type left out, or 0, is text). The buffers are made on first use. */
#define PG_ROWS_TEXT(n) {.ncols = (n)}
#define PG_ROWS(n, ...) {.ncols = (n), .oids = {__VA_ARGS__}}

/* ncols columns; oids gives each one's type (PG_OID_TEXT or PG_OID_BYTEA), NULL: all text. */
void pg_rows_init(pg_rows_t *r, int ncols, const unsigned *oids);
/* One row: values[ncols] (NULL: SQL NULL); lengths NULL or per value (bytea needs it). */
void pg_rows_add(pg_rows_t *r, const char *const *values, const int *lengths);
/* Rows added since the last exec, cmd or clear. */
static inline int pg_rows_count(const pg_rows_t *r) { return r->count; }
/* Run sql with the columns as $1..$ncols (binary arrays) and empty the rows.
 * Returns the result (caller PQclear()s it) or NULL after logging the failure.
 * Empty rows are fine (unnest of empty arrays: no row). */
PGresult *pg_rows_exec(PGconn *pg, pg_rows_t *r, const char *sql) __attribute__((warn_unused_result));
/* The same for a statement whose result is not needed, sent as pg_cmd_bin()
 * sends it (deferred in the consumer's fast mode); the rows are emptied either
 * way. Returns 0 or -1. */
int pg_rows_cmd(PGconn *pg, pg_rows_t *r, const char *sql) __attribute__((warn_unused_result));
/* Drop the rows (a rollback). */
void pg_rows_clear(pg_rows_t *r);
/* Free the column buffers; r may be used again (they are made on next use). */
void pg_rows_free(pg_rows_t *r);

/* Rows a transaction keeps (txn.h) for one statement, sql, written at the
 * participant's flush as pg_rows_cmd() sends it (deferred in the consumer's
 * fast mode) and dropped at its discard. A module makes one with
 * pg_rows_kept_new() (caller owns it) and names a participant of its own with
 * PG_ROWS_PART, by which pg_rows_keep() finds it:
 *
 *   const txn_part_t event_rows_part = PG_ROWS_PART("events");
 *   txn_join(t, &event_rows_part, pg_rows_kept_new(INSERT_EVENTS, 5, oids));
 *   pg_rows_keep(t, &event_rows_part, INSERT_EVENTS, 5, oids, values, lengths);
 *
 * pg_rows_keep() adds the row to what t keeps for part, or, when t has none
 * joined (a plain transaction: timers, replay), runs sql with that one row
 * now (ncols and oids as pg_rows_init()). Returns 0 or -1. */
typedef struct pg_rows_kept {
    pg_rows_t rows;
    const char *sql;
} pg_rows_kept_t;
pg_rows_kept_t *pg_rows_kept_new(const char *sql, int ncols, const unsigned *oids);
/* Free *k (NULL is fine) and set *k to NULL. */
void pg_rows_kept_destroy(pg_rows_kept_t **k);
/* PG_ROWS_PART's flush and discard (txn_part_t): flush writes the kept rows
 * with the kept sql on txn_pg(t) (0 when none; else 0 or -1), discard drops
 * them; in careful mode only the message's own rows are kept by then. */
int pg_rows_kept_flush(void *self, txn_t *t);
void pg_rows_kept_discard(void *self, txn_t *t, int whole);
#define PG_ROWS_PART(label) {.name = (label), .flush = pg_rows_kept_flush, .discard = pg_rows_kept_discard, .end = NULL}
int pg_rows_keep(txn_t *t, const txn_part_t *part, const char *sql, int ncols, const unsigned *oids,
                 const char *const *values, const int *lengths) __attribute__((warn_unused_result));

#endif
