/* pg.c: libpq helpers (see pg.h). */
#include "pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "log.h"

PGconn *pg_connect(const char *user, const char *password_env, const char *app_name,
                   volatile sig_atomic_t *stop) {
    const char *keys[] = {"dbname", "user", "password", "application_name", "connect_timeout", NULL};
    const char *vals[] = {config_str("JIUYE_DB", "host=127.0.0.1 port=5433 dbname=jiuye"), user,
                          password_env ? config_str(password_env, NULL) : NULL, app_name, "5", NULL};
    if (!vals[2]) { /* no password: drop the key so libpq's own lookup applies */
        keys[2] = "application_name", vals[2] = app_name;
        keys[3] = "connect_timeout", vals[3] = "5";
        keys[4] = NULL, vals[4] = NULL;
    }
    long delay_ms = 200;
    for (int attempt = 1;; attempt++) {
        PGconn *pg = PQconnectdbParams(keys, vals, 1);
        if (PQstatus(pg) == CONNECTION_OK) {
            if (attempt > 1) log_info("connected to PostgreSQL as %s after %d attempts", user, attempt);
            return pg;
        }
        if (attempt == 1 || attempt % 10 == 0)
            log_warn("PostgreSQL not reachable as %s (attempt %d): %s", user, attempt, PQerrorMessage(pg));
        PQfinish(pg);
        if (stop && *stop) return NULL;
        struct timespec ts = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        if (delay_ms < 5000) delay_ms *= 2;
        if (delay_ms > 5000) delay_ms = 5000;
    }
}

PGresult *pg_exec_bin(PGconn *pg, const char *sql, int n, const char *const *params,
                      const int *lengths, const int *formats, int result_format) {
    PGresult *r = PQexecParams(pg, sql, n, NULL, params, lengths, formats, result_format);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return r;
    const char *msg = PQresultErrorMessage(r);
    char first[120];
    snprintf(first, sizeof first, "%s", sql);
    for (char *p = first; *p; p++)
        if (*p == '\n') *p = ' ';
    log_error("sql failed: %s -- in: %s", (msg && *msg) ? msg : PQerrorMessage(pg), first);
    PQclear(r);
    return NULL;
}

PGresult *pg_exec(PGconn *pg, const char *sql, int n, const char *const *params) {
    return pg_exec_bin(pg, sql, n, params, NULL, NULL, 0);
}

int pg_cmd(PGconn *pg, const char *sql, int n, const char *const *params) {
    PGresult *r = pg_exec(pg, sql, n, params);
    if (!r) return -1;
    PQclear(r);
    return 0;
}

int pg_begin(PGconn *pg) { return pg_cmd(pg, "BEGIN", 0, NULL); }
int pg_commit(PGconn *pg) { return pg_cmd(pg, "COMMIT", 0, NULL); }

void pg_rollback(PGconn *pg) {
    PGresult *r = PQexec(pg, "ROLLBACK");
    PQclear(r);
}

int pg_alive(PGconn *pg) {
    if (PQstatus(pg) == CONNECTION_OK) return 1;
    log_warn("PostgreSQL connection lost; reconnecting");
    PQreset(pg);
    return PQstatus(pg) == CONNECTION_OK;
}

int pg_check_schema(PGconn *pg, int version) {
    char v[16];
    snprintf(v, sizeof v, "%d", version);
    const char *p[] = {v};
    PGresult *r = pg_exec(pg, "SELECT coalesce(max(version), 0) FROM public.schema_migrations WHERE version <= $1::int", 1, p);
    if (!r) return -1;
    int found = (int)strtol(PQgetvalue(r, 0, 0), NULL, 10); /* server-produced integer */
    PQclear(r);
    if (found != version) {
        log_error("database schema is at migration %d, this build needs %d: run the migrate step", found, version);
        return -1;
    }
    return 0;
}

char *pg_text_array(const char *const *items, int n) {
    size_t cap = 3;
    for (int i = 0; i < n; i++) cap += 2 * strlen(items[i]) + 3;
    char *out = malloc(cap), *p = out;
    if (!out) return NULL;
    *p++ = '{';
    for (int i = 0; i < n; i++) {
        if (i) *p++ = ',';
        *p++ = '"';
        for (const char *s = items[i]; *s; s++) {
            if (*s == '"' || *s == '\\') *p++ = '\\';
            *p++ = *s;
        }
        *p++ = '"';
    }
    *p++ = '}';
    *p = '\0';
    return out;
}
