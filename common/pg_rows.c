/* pg_rows.c: rows kept in memory and written with one statement (see pg_rows.h). */
#include "pg_rows.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

void pg_rows_init(pg_rows_t *r, int ncols, const unsigned *oids) {
    assert(ncols > 0 && ncols <= PG_ROWS_MAX_COLS);
    memset(r, 0, sizeof *r);
    r->ncols = ncols;
    for (int i = 0; i < ncols; i++) r->oids[i] = oids ? oids[i] : PG_OID_TEXT;
}

/* Column i's array, started on first use (a PG_ROWS() initializer makes none). */
static pg_array_t *column(pg_rows_t *r, int i) {
    if (!r->cols[i].buf) pg_array_reset(&r->cols[i], r->oids[i] ? r->oids[i] : PG_OID_TEXT);
    return &r->cols[i];
}

void pg_rows_add(pg_rows_t *r, const char *const *values, const int *lengths) {
    assert(r->ncols > 0 && r->ncols <= PG_ROWS_MAX_COLS);
    for (int i = 0; i < r->ncols; i++) {
        if (!values[i])
            pg_array_add_null(column(r, i));
        else
            pg_array_add(column(r, i), values[i], lengths && lengths[i] >= 0 ? (size_t)lengths[i] : strlen(values[i]));
    }
    r->count++;
}

/* The columns as binary array parameters. */
static void parameters(pg_rows_t *r, const char **params, int *lengths, int *formats) {
    for (int i = 0; i < r->ncols; i++) {
        params[i] = pg_array_data(column(r, i));
        lengths[i] = pg_array_len(column(r, i));
        formats[i] = 1;
    }
}

PGresult *pg_rows_exec(PGconn *pg, pg_rows_t *r, const char *sql) {
    const char *params[PG_ROWS_MAX_COLS];
    int lengths[PG_ROWS_MAX_COLS], formats[PG_ROWS_MAX_COLS];
    parameters(r, params, lengths, formats);
    PGresult *res = pg_exec_bin(pg, sql, r->ncols, params, lengths, formats, 0);
    pg_rows_clear(r);
    return res;
}

int pg_rows_cmd(PGconn *pg, pg_rows_t *r, const char *sql) {
    const char *params[PG_ROWS_MAX_COLS];
    int lengths[PG_ROWS_MAX_COLS], formats[PG_ROWS_MAX_COLS];
    parameters(r, params, lengths, formats);
    int rc = pg_cmd_bin(pg, sql, r->ncols, params, lengths, formats); /* libpq copies the values when it sends */
    pg_rows_clear(r);
    return rc;
}

void pg_rows_clear(pg_rows_t *r) {
    for (int i = 0; i < r->ncols; i++)
        if (r->cols[i].buf) pg_array_reset(&r->cols[i], r->oids[i] ? r->oids[i] : PG_OID_TEXT);
    r->count = 0;
}

pg_rows_kept_t *pg_rows_kept_new(const char *sql, int ncols, const unsigned *oids) {
    pg_rows_kept_t *k = calloc(1, sizeof *k);
    if (!k) abort(); /* out of memory at start: let the supervisor restart us */
    pg_rows_init(&k->rows, ncols, oids);
    k->sql = sql;
    return k;
}

void pg_rows_kept_destroy(pg_rows_kept_t **kp) {
    pg_rows_kept_t *k = *kp;
    if (!k) return;
    pg_rows_free(&k->rows);
    free(k);
    *kp = NULL;
}

int pg_rows_kept_flush(void *self, txn_t *t) {
    pg_rows_kept_t *k = self;
    return pg_rows_count(&k->rows) ? pg_rows_cmd(txn_pg(t), &k->rows, k->sql) : 0;
}

void pg_rows_kept_discard(void *self, txn_t *t, int whole) {
    (void)t, (void)whole; /* careful mode: earlier messages' rows were flushed, only this one's are here */
    pg_rows_clear(&((pg_rows_kept_t *)self)->rows);
}

int pg_rows_keep(txn_t *t, const txn_part_t *part, const char *sql, int ncols, const unsigned *oids,
                 const char *const *values, const int *lengths) {
    pg_rows_kept_t *k = txn_part(t, part);
    if (k) {
        pg_rows_add(&k->rows, values, lengths);
        return 0;
    }
    pg_rows_t one;
    pg_rows_init(&one, ncols, oids);
    pg_rows_add(&one, values, lengths);
    int rc = pg_rows_cmd(txn_pg(t), &one, sql);
    pg_rows_free(&one);
    return rc;
}

void pg_rows_free(pg_rows_t *r) {
    for (int i = 0; i < r->ncols; i++) pg_array_free(&r->cols[i]);
    r->count = 0;
}
