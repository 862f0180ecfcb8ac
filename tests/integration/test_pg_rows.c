/* test_pg_rows.c: rows kept in memory and written with one statement
 * (common/pg_rows.h) against a real PostgreSQL: text cast to other types,
 * NULLs, bytea with zero bytes, row order, reuse after a flush and a clear.
 *
 * Needs JIUYE_DB (the harness's test cluster) and a superuser (PGUSER). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg.h"
#include "pg_rows.h"

static PGconn *pg;

static int setup(void **state) {
    (void)state;
    const char *user = getenv("PGUSER") ? getenv("PGUSER") : "postgres";
    pg = pg_connect(user, NULL, "test_pg_rows", NULL);
    if (!pg) return -1;
    PGresult *r = PQexec(pg, "SET client_min_messages = warning; DROP SCHEMA IF EXISTS pr CASCADE; CREATE SCHEMA pr;"
                             "CREATE TABLE pr.t (seq serial, name text, on_day date, n bigint, blob bytea)");
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    PGresult *r = PQexec(pg, "SET client_min_messages = warning; DROP SCHEMA IF EXISTS pr CASCADE");
    PQclear(r);
    pg_finish(pg);
    return 0;
}

static const char *INSERT = "INSERT INTO pr.t (name, on_day, n, blob) SELECT name, on_day::date, n::bigint, blob "
                            "FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[]) AS u(name, on_day, n, blob)";
static const unsigned OIDS[] = {PG_OID_TEXT, PG_OID_TEXT, PG_OID_TEXT, PG_OID_BYTEA};

static char *value(const char *sql) {
    PGresult *r = pg_exec(pg, sql, 0, NULL);
    assert_non_null(r);
    assert_int_equal(PQntuples(r), 1);
    char *v = PQgetisnull(r, 0, 0) ? strdup("<null>") : strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

static void assert_value(const char *sql, const char *want) {
    char *got = value(sql);
    assert_string_equal(got, want);
    free(got);
}

static void test_rows_in_order_with_nulls_and_bytes(void **state) {
    (void)state;
    pg_rows_t rows;
    pg_rows_init(&rows, 4, OIDS);
    const char blob[] = {'a', '\0', 'b'};
    const char *r1[] = {"连云港 \"quoted\", {braces}", "2024-02-29", "150000", blob};
    const int l1[] = {-1, -1, -1, 3};
    const char *r2[] = {NULL, NULL, NULL, NULL};
    const char *r3[] = {"", "2025-12-31", "-1", ""};
    const int l3[] = {-1, -1, -1, 0};
    pg_rows_add(&rows, r1, l1);
    pg_rows_add(&rows, r2, NULL);
    pg_rows_add(&rows, r3, l3);
    assert_int_equal(pg_rows_count(&rows), 3);
    PGresult *r = pg_rows_exec(pg, &rows, INSERT);
    assert_non_null(r);
    assert_string_equal(PQcmdTuples(r), "3");
    PQclear(r);
    assert_int_equal(pg_rows_count(&rows), 0); /* emptied by the statement */
    assert_value("SELECT name FROM pr.t WHERE seq = 1", "连云港 \"quoted\", {braces}");
    assert_value("SELECT on_day::text FROM pr.t WHERE seq = 1", "2024-02-29");
    assert_value("SELECT n::text FROM pr.t WHERE seq = 1", "150000");
    assert_value("SELECT encode(blob, 'hex') FROM pr.t WHERE seq = 1", "610062");
    assert_value("SELECT concat_ws(',', name, on_day, n, blob) FROM pr.t WHERE seq = 2", "");
    assert_value("SELECT count(*)::text FROM pr.t WHERE seq = 2 AND name IS NULL AND on_day IS NULL AND n IS NULL "
                 "AND blob IS NULL", "1");
    assert_value("SELECT name || '|' || on_day || '|' || n || '|' || length(blob) FROM pr.t WHERE seq = 3",
                 "|2025-12-31|-1|0");
    pg_rows_free(&rows);
}

static void test_reuse_after_clear_and_empty(void **state) {
    (void)state;
    pg_rows_t rows;
    pg_rows_init(&rows, 4, OIDS);
    PGresult *r = pg_rows_exec(pg, &rows, INSERT); /* no rows: a statement that inserts nothing */
    assert_non_null(r);
    assert_string_equal(PQcmdTuples(r), "0");
    PQclear(r);
    const char *row[] = {"dropped", "2024-01-01", "1", "x"};
    pg_rows_add(&rows, row, NULL);
    pg_rows_clear(&rows); /* a rollback: never written */
    for (int i = 0; i < 1000; i++) {
        char n[16];
        snprintf(n, sizeof n, "%d", i);
        const char *again[] = {"again", "2024-01-01", n, "x"};
        pg_rows_add(&rows, again, NULL);
    }
    r = pg_rows_exec(pg, &rows, INSERT);
    assert_non_null(r);
    PQclear(r);
    assert_value("SELECT count(*)::text FROM pr.t WHERE name = 'dropped'", "0");
    assert_value("SELECT count(*)::text || ' ' || sum(n)::text FROM pr.t WHERE name = 'again'", "1000 499500");
    /* unnest keeps the order rows were added in */
    assert_value("SELECT bool_and(n = rn - 1)::text FROM (SELECT n, row_number() OVER (ORDER BY seq) rn FROM pr.t "
                 "WHERE name = 'again') x", "true");
    pg_rows_free(&rows);
}

static void test_bad_value_fails_the_statement(void **state) {
    (void)state;
    pg_rows_t rows;
    pg_rows_init(&rows, 4, OIDS);
    const char *row[] = {"bad day", "2024-02-30", "1", "x"};
    pg_rows_add(&rows, row, NULL);
    PGresult *r = pg_rows_exec(pg, &rows, INSERT);
    assert_null(r);
    assert_int_equal(pg_rows_count(&rows), 0);
    assert_value("SELECT count(*)::text FROM pr.t WHERE name = 'bad day'", "0");
    pg_rows_free(&rows);
}

/* A PG_ROWS() initializer needs no pg_rows_init(): its columns start on first use. */
static void test_static_initializer(void **state) {
    (void)state;
    static pg_rows_t rows = PG_ROWS(4, PG_OID_TEXT, PG_OID_TEXT, PG_OID_TEXT, PG_OID_BYTEA);
    PGresult *r = pg_rows_exec(pg, &rows, INSERT); /* nothing added yet */
    assert_non_null(r);
    assert_string_equal(PQcmdTuples(r), "0");
    PQclear(r);
    pg_rows_clear(&rows);
    const char blob[] = {'\0', 'z'};
    const char *row[] = {"static", "2024-03-01", "7", blob};
    const int lengths[] = {-1, -1, -1, 2};
    pg_rows_add(&rows, row, lengths);
    r = pg_rows_exec(pg, &rows, INSERT);
    assert_non_null(r);
    PQclear(r);
    assert_value("SELECT on_day || ' ' || n || ' ' || encode(blob, 'hex') FROM pr.t WHERE name = 'static'",
                 "2024-03-01 7 007a");
    static pg_rows_t texts = PG_ROWS_TEXT(1);
    const char *one[] = {"t"};
    pg_rows_add(&texts, one, NULL);
    assert_int_equal(pg_rows_count(&texts), 1);
    r = pg_rows_exec(pg, &texts, "SELECT count(*) FROM unnest($1::text[]) AS u(x) WHERE x = 't'");
    assert_non_null(r);
    assert_string_equal(PQgetvalue(r, 0, 0), "1");
    PQclear(r);
    pg_rows_free(&rows);
    pg_rows_free(&texts);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_in_order_with_nulls_and_bytes),
        cmocka_unit_test(test_reuse_after_clear_and_empty),
        cmocka_unit_test(test_bad_value_fails_the_statement),
        cmocka_unit_test(test_static_initializer),
    };
    return cmocka_run_group_tests_name("pg_rows", tests, setup, teardown);
}
