/* staff.c: console staff members, their tokens and stream tickets (see staff.h). */
#include "staff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audience.h"
#include "ident.h"
#include "pg.h"

#define TS_UTC(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

int staff_name_valid(const char *name) {
    size_t n = strlen(name);
    if (n < 1 || n > STAFF_MAX_NAME) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && (c == '.' || c == '_' || c == '-'));
        if (!ok) return 0;
    }
    return 1;
}

int staff_add(PGconn *pg, const char *name, const char *district, const char *department, char *token, char *err,
              size_t errlen) {
    if (!staff_name_valid(name)) {
        snprintf(err, errlen, "name: must be 1-%d characters of a-z 0-9 . _ - (starting with a letter or digit)",
                 STAFF_MAX_NAME);
        return -1;
    }
    if (!district || !district_name(district)) {
        snprintf(err, errlen, "--district: not a district code of Lianyungang (320703, 320706, 320707, 320722, "
                              "320723, 320724 or 320700)");
        return -1;
    }
    if (!department || !audience_label(department)) {
        snprintf(err, errlen, "--department: not an audience code (cdpf, hrss, health, finance, education, tax, "
                              "org, staffing, sasac, civil)");
        return -1;
    }
    if (token_new(token) != 0) {
        snprintf(err, errlen, "no randomness available for a token");
        return -1;
    }
    char param[TOKEN_DIGEST_PARAM_LEN];
    token_digest_param(token, param);
    const char *p[] = {name, district, department, param};
    PGresult *r = pg_exec(pg,
                          "INSERT INTO notify.staff (name, district, department, token_sha256) "
                          "VALUES ($1, $2, $3, $4::bytea) ON CONFLICT (name) DO NOTHING",
                          4, p);
    if (!r) {
        snprintf(err, errlen, "database error: %s", PQerrorMessage(pg));
        return -1;
    }
    int inserted = strcmp(PQcmdTuples(r), "1") == 0;
    PQclear(r);
    if (!inserted) {
        snprintf(err, errlen, "staff member '%s' already exists", name);
        return -1;
    }
    return 0;
}

int staff_revoke(PGconn *pg, const char *name, char *err, size_t errlen) {
    const char *p[] = {name};
    PGresult *r = pg_exec(pg,
                          "WITH s AS (SELECT staff_id, revoked_at FROM notify.staff WHERE name = $1), "
                          "u AS (UPDATE notify.staff SET revoked_at = now() WHERE staff_id IN "
                          "(SELECT staff_id FROM s WHERE revoked_at IS NULL) RETURNING staff_id), "
                          "t AS (DELETE FROM notify.staff_tickets WHERE staff_id IN (SELECT staff_id FROM s)) "
                          "SELECT (SELECT count(*) FROM s), (SELECT count(*) FROM u)",
                          1, p);
    if (!r) {
        snprintf(err, errlen, "database error: %s", PQerrorMessage(pg));
        return -1;
    }
    int exists = strcmp(PQgetvalue(r, 0, 0), "1") == 0, revoked = strcmp(PQgetvalue(r, 0, 1), "1") == 0;
    PQclear(r);
    if (!exists) {
        snprintf(err, errlen, "no staff member named '%s'", name);
        return -1;
    }
    return revoked;
}

static void fill(staff_t *who, const PGresult *r, int row) {
    who->id = strtoll(PQgetvalue(r, row, 0), NULL, 10);
    snprintf(who->name, sizeof who->name, "%s", PQgetvalue(r, row, 1));
    snprintf(who->district, sizeof who->district, "%s", PQgetvalue(r, row, 2));
    snprintf(who->department, sizeof who->department, "%s", PQgetvalue(r, row, 3));
}

long staff_list(PGconn *pg, staff_info_t **out, char *err, size_t errlen) {
    PGresult *r = pg_exec(pg,
                          "SELECT staff_id, name, district, department, " TS_UTC("created_at") ", "
                          "coalesce(" TS_UTC("revoked_at") ", '') FROM notify.staff ORDER BY name",
                          0, NULL);
    if (!r) {
        snprintf(err, errlen, "database error: %s", PQerrorMessage(pg));
        return -1;
    }
    long n = PQntuples(r);
    staff_info_t *list = n ? calloc((size_t)n, sizeof *list) : NULL;
    if (n && !list) {
        PQclear(r);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (long i = 0; i < n; i++) {
        fill(&list[i].who, r, (int)i);
        snprintf(list[i].created_at, sizeof list[i].created_at, "%s", PQgetvalue(r, (int)i, 4));
        snprintf(list[i].revoked_at, sizeof list[i].revoked_at, "%s", PQgetvalue(r, (int)i, 5));
    }
    PQclear(r);
    *out = list;
    return n;
}

/* The staff member whose secret (a token or a ticket) hashes to the one sql's $1
 * selects: 1 found, 0 not (also for a string not shaped like a token), -1 DB error.
 * The lookup is by hash, so response time reveals nothing about the secret. */
static int staff_by_secret(PGconn *pg, const char *sql, const char *secret, staff_t *who) {
    if (!token_valid(secret, strlen(secret))) return 0;
    char param[TOKEN_DIGEST_PARAM_LEN];
    token_digest_param(secret, param);
    const char *p[] = {param};
    PGresult *r = pg_exec(pg, sql, 1, p);
    if (!r) return -1;
    int found = PQntuples(r) == 1;
    if (found) fill(who, r, 0);
    PQclear(r);
    return found;
}

int staff_ticket_new(PGconn *pg, long long staff_id, long ttl_s, char *ticket) {
    if (token_new(ticket) != 0) return -1;
    char param[TOKEN_DIGEST_PARAM_LEN], id[24], ttl[24];
    token_digest_param(ticket, param);
    snprintf(id, sizeof id, "%lld", staff_id);
    snprintf(ttl, sizeof ttl, "%ld", ttl_s);
    const char *p[] = {param, id, ttl};
    if (pg_cmd(pg, "DELETE FROM notify.staff_tickets WHERE expires_at < now()", 0, NULL) != 0) return -1;
    return pg_cmd(pg,
                  "INSERT INTO notify.staff_tickets (ticket_sha256, staff_id, expires_at) "
                  "VALUES ($1::bytea, $2::bigint, now() + make_interval(secs => $3::int))",
                  3, p);
}

int staff_ticket_authenticate(PGconn *pg, const char *ticket, staff_t *who) {
    return staff_by_secret(pg,
                           "SELECT s.staff_id, s.name, s.district, s.department FROM notify.staff_tickets t "
                           "JOIN notify.staff s USING (staff_id) WHERE t.ticket_sha256 = $1::bytea "
                           "AND t.expires_at > now() AND s.revoked_at IS NULL",
                           ticket, who);
}
