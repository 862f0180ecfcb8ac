/* same_rows.c: the ceiling of "the same rows by a plain batched insert" (see same_rows.h). */
#include "same_rows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int failed(PGconn *db, PGresult *r, const char *what) {
    fprintf(stderr, "same rows: %s: %s", what, PQerrorMessage(db));
    PQclear(r);
    return -1;
}

/* Run a statement whose result is not needed. */
static int run(PGconn *db, const char *sql, int n, const char *const *params) {
    PGresult *r = PQexecParams(db, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return failed(db, r, sql);
    PQclear(r);
    return 0;
}

void same_rows_snapshot(PGconn *db, same_rows_t *snap) {
    snap->n = 0;
    PGresult *r = PQexec(db, "SELECT schemaname, relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables "
                             "WHERE schemaname IN ('intake', 'rules', 'subsidy', 'notify') ORDER BY 1, 2");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        failed(db, r, "pg_stat_user_tables");
        return;
    }
    for (int i = 0; i < PQntuples(r) && snap->n < SAME_ROWS_TABLES; i++) {
        snprintf(snap->t[snap->n].schema, sizeof snap->t[0].schema, "%s", PQgetvalue(r, i, 0));
        snprintf(snap->t[snap->n].table, sizeof snap->t[0].table, "%s", PQgetvalue(r, i, 1));
        snap->t[snap->n].ins = strtoll(PQgetvalue(r, i, 2), NULL, 10);
        snap->t[snap->n].upd = strtoll(PQgetvalue(r, i, 3), NULL, 10);
        snap->t[snap->n].del = strtoll(PQgetvalue(r, i, 4), NULL, 10);
        snap->n++;
    }
    PQclear(r);
}

/* Rows of a COPY ... TO STDOUT, back to back, each ending in its newline. */
typedef struct {
    char *data;
    size_t len, cap;
    size_t *ends; /* ends[i]: offset just past row i */
    long long n, cap_rows;
} rows_t;

static void rows_add(rows_t *rows, const char *row, size_t len) {
    if (rows->len + len > rows->cap) {
        rows->cap = (rows->len + len) * 2;
        rows->data = realloc(rows->data, rows->cap);
    }
    if (rows->n == rows->cap_rows) {
        rows->cap_rows = rows->cap_rows ? rows->cap_rows * 2 : 1024;
        rows->ends = realloc(rows->ends, (size_t)rows->cap_rows * sizeof *rows->ends);
    }
    if (!rows->data || !rows->ends) abort(); /* out of memory in a benchmark: nothing to save */
    memcpy(rows->data + rows->len, row, len);
    rows->len += len;
    rows->ends[rows->n++] = rows->len;
}

static int copy_out(PGconn *db, const char *query, rows_t *rows) {
    char sql[1024];
    snprintf(sql, sizeof sql, "COPY (%s) TO STDOUT", query);
    PGresult *r = PQexec(db, sql);
    if (PQresultStatus(r) != PGRES_COPY_OUT) return failed(db, r, sql);
    PQclear(r);
    char *row;
    int len;
    while ((len = PQgetCopyData(db, &row, 0)) > 0) {
        rows_add(rows, row, (size_t)len);
        PQfreemem(row);
    }
    r = PQgetResult(db);
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : failed(db, r, sql);
    if (rc == 0) PQclear(r);
    while ((r = PQgetResult(db))) PQclear(r);
    return rc;
}

/* Rows [first, end) in COPYs of SAME_ROWS_CHUNK, each its own transaction. */
static int copy_in(PGconn *db, const char *clone, const char *columns, const rows_t *rows, long long first,
                   long long end) {
    char sql[512];
    snprintf(sql, sizeof sql, "COPY %s %s FROM STDIN", clone, columns);
    for (long long at = first; at < end; at += SAME_ROWS_CHUNK) {
        long long last = at + SAME_ROWS_CHUNK < end ? at + SAME_ROWS_CHUNK : end;
        size_t from = at ? rows->ends[at - 1] : 0, to = rows->ends[last - 1];
        PGresult *r = PQexec(db, sql);
        if (PQresultStatus(r) != PGRES_COPY_IN) return failed(db, r, sql);
        PQclear(r);
        if (PQputCopyData(db, rows->data + from, (int)(to - from)) != 1 || PQputCopyEnd(db, NULL) != 1)
            return failed(db, NULL, "COPY data");
        r = PQgetResult(db);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) return failed(db, r, sql);
        PQclear(r);
        while ((r = PQgetResult(db))) PQclear(r);
    }
    return 0;
}

/* Updates (the first column set to itself) or deletes, SAME_ROWS_CHUNK rows a statement. */
static int touch(PGconn *db, const char *clone, const char *first_column, long long count, int delete) {
    char sql[512];
    if (delete)
        snprintf(sql, sizeof sql, "DELETE FROM %s WHERE ctid IN (SELECT ctid FROM %s LIMIT $1::int)", clone, clone);
    else
        snprintf(sql, sizeof sql,
                 "UPDATE %s SET %s = %s WHERE ctid IN (SELECT ctid FROM %s OFFSET $2::int LIMIT $1::int)", clone,
                 first_column, first_column, clone);
    for (long long at = 0; at < count; at += SAME_ROWS_CHUNK) {
        char limit[24], offset[24];
        snprintf(limit, sizeof limit, "%lld", count - at < SAME_ROWS_CHUNK ? count - at : SAME_ROWS_CHUNK);
        snprintf(offset, sizeof offset, "%lld", at);
        const char *params[] = {limit, offset};
        if (run(db, sql, delete ? 1 : 2, params) != 0) return -1;
    }
    return 0;
}

typedef struct {
    char name[100];
    double seconds;
} timed_t;

static int by_seconds_desc(const void *a, const void *b) {
    double x = ((const timed_t *)a)->seconds, y = ((const timed_t *)b)->seconds;
    return (x < y) - (x > y);
}

int same_rows_write(PGconn *db, const same_rows_t *before, same_rows_result_t *out) {
    memset(out, 0, sizeof *out);
    same_rows_t now;
    same_rows_snapshot(db, &now);
    if (run(db, "SET synchronous_commit = on", 0, NULL) != 0 ||
        run(db, "CREATE SCHEMA IF NOT EXISTS bench_scratch", 0, NULL) != 0)
        return -1;
    timed_t timed[SAME_ROWS_TABLES];
    int n_timed = 0, rc = 0;
    for (int i = 0; i < now.n && rc == 0; i++) {
        long long ins = now.t[i].ins, upd = now.t[i].upd, del = now.t[i].del;
        for (int j = 0; j < before->n; j++)
            if (strcmp(before->t[j].schema, now.t[i].schema) == 0 && strcmp(before->t[j].table, now.t[i].table) == 0) {
                ins -= before->t[j].ins, upd -= before->t[j].upd, del -= before->t[j].del;
                break;
            }
        if (ins < 0) ins = 0;
        if (upd < 0) upd = 0;
        if (del < 0) del = 0;
        if (ins == 0 && upd == 0 && del == 0) continue;
        /* Rows updated or deleted in the window may have been inserted before it
         * (an acknowledgement that came after the snapshot): the clone gets those
         * first, untimed. */
        long long needed = ins > upd ? ins : upd;
        if (del > needed) needed = del;
        char *schema = PQescapeIdentifier(db, now.t[i].schema, strlen(now.t[i].schema));
        char *table = PQescapeIdentifier(db, now.t[i].table, strlen(now.t[i].table));
        char clone_name[128], source[200], query[512], sql[1024];
        snprintf(clone_name, sizeof clone_name, "same_rows_%s_%s", now.t[i].schema, now.t[i].table);
        char *clone_id = PQescapeIdentifier(db, clone_name, strlen(clone_name));
        char clone[200];
        snprintf(clone, sizeof clone, "bench_scratch.%s", clone_id);
        snprintf(source, sizeof source, "%s.%s", schema, table);
        const char *columns = "";
        int is_outbox = strcmp(now.t[i].table, "outbox") == 0;
        if (is_outbox) { /* its rows were deleted on acknowledgement: rows of the same count */
            columns = "(seq, message_id, payload)";
            snprintf(query, sizeof query,
                     "SELECT row_number() OVER (), 'same-rows/' || source || '/' || event_id, event "
                     "FROM rules.events LIMIT %lld",
                     needed);
        } else {
            snprintf(query, sizeof query, "SELECT * FROM %s LIMIT %lld", source, needed);
        }
        rows_t rows = {0};
        char first_column[80] = "";
        snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS %s; CREATE TABLE %s (LIKE %s INCLUDING ALL)", clone, clone,
                 source);
        PGresult *r = PQexec(db, sql);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) rc = failed(db, r, sql);
        else PQclear(r);
        if (rc == 0) {
            snprintf(sql, sizeof sql, "SELECT quote_ident(attname) FROM pg_attribute WHERE attrelid = '%s'::regclass "
                                      "AND attnum = 1", clone);
            r = PQexec(db, sql);
            if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
                snprintf(first_column, sizeof first_column, "%s", PQgetvalue(r, 0, 0));
            PQclear(r);
        }
        if (rc == 0) rc = copy_out(db, query, &rows);
        long long inserted = ins < rows.n ? ins : rows.n;
        if (rc == 0) rc = copy_in(db, clone, columns, &rows, inserted, rows.n); /* untimed */
        if (rc == 0) {
            double t0 = now_s();
            rc = copy_in(db, clone, columns, &rows, 0, inserted);
            long long updated = upd < rows.n ? upd : rows.n, deleted = del < rows.n ? del : rows.n;
            if (rc == 0 && updated > 0) rc = touch(db, clone, first_column, updated, 0);
            if (rc == 0 && deleted > 0) rc = touch(db, clone, first_column, deleted, 1);
            double spent = now_s() - t0;
            out->seconds += spent;
            out->writes += inserted + updated + deleted;
            out->counted += ins + upd + del;
            out->missing += (ins - inserted) + (upd - updated) + (del - deleted);
            snprintf(timed[n_timed].name, sizeof timed[0].name, "%s.%s", now.t[i].schema, now.t[i].table);
            timed[n_timed++].seconds = spent;
        }
        snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS %s", clone);
        if (rc == 0) rc = run(db, sql, 0, NULL);
        free(rows.data);
        free(rows.ends);
        PQfreemem(schema);
        PQfreemem(table);
        PQfreemem(clone_id);
    }
    qsort(timed, (size_t)n_timed, sizeof *timed, by_seconds_desc);
    size_t used = 0;
    for (int i = 0; i < n_timed && i < 3 && used < sizeof out->slowest; i++)
        used += (size_t)snprintf(out->slowest + used, sizeof out->slowest - used, "%s%s %.2f s", i ? ", " : "",
                                 timed[i].name, timed[i].seconds);
    return rc;
}
