/* sources.c: source authentication and administration (see sources.h). */
#include "sources.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "curve.h"
#include "pg.h"
#include "token.h"

/* The one active source that sql (one parameter, selecting its name) finds: 1 with its
 * name in name (namelen bytes; may be NULL), 0 when none, -1 on a database error. */
static int find_active(PGconn *pg, const char *sql, const char *param, char *name, size_t namelen) {
    const char *p[] = {param};
    PGresult *r = pg_exec(pg, sql, 1, p);
    if (!r) return -1;
    int found = PQntuples(r) == 1;
    if (found && name) snprintf(name, namelen, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return found;
}

int sources_authenticate(PGconn *pg, const char *token, char *name, size_t namelen) {
    char param[TOKEN_DIGEST_PARAM_LEN];
    token_digest_param(token, param);
    /* The lookup is by hash, so response time reveals nothing about the token. */
    return find_active(pg, "SELECT name FROM intake.sources WHERE token_sha256 = $1::bytea AND revoked_at IS NULL",
                       param, name, namelen);
}

int sources_by_curve_key(PGconn *pg, const char *key, char *name, size_t namelen) {
    return find_active(pg, "SELECT name FROM intake.sources WHERE curve_public = $1 AND revoked_at IS NULL", key, name,
                       namelen);
}

int sources_active(PGconn *pg, const char *name) {
    return find_active(pg, "SELECT name FROM intake.sources WHERE name = $1 AND revoked_at IS NULL", name, NULL, 0);
}

int sources_curve_key_valid(const char *key) {
    uint8_t bin[32];
    return strlen(key) == CURVE_KEY_LEN && zmq_z85_decode(bin, key) != NULL;
}

static int valid_name(const char *name, char *err, size_t errlen) {
    size_t n = strlen(name);
    int ok = n >= 1 && n <= 64;
    for (size_t i = 0; ok && i < n; i++) {
        char c = name[i];
        ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && (c == '.' || c == '_' || c == '-'));
    }
    if (!ok) snprintf(err, errlen, "source name must be 1-64 characters of a-z 0-9 . _ - (starting with a letter or digit)");
    return ok;
}

int sources_token_valid(const char *token) { return token_valid(token, strlen(token)); }

/* 0 when curve_public (NULL: none) is a Z85 key no source other than name has, else -1
 * with err set. Said plainly here; the column's UNIQUE constraint still holds against a race. */
static int check_curve_key(PGconn *pg, const char *name, const char *curve_public, char *err, size_t errlen) {
    if (!curve_public) return 0;
    if (!sources_curve_key_valid(curve_public)) {
        snprintf(err, errlen, "curve public key must be 40 characters of Z85 (jiuyectl keygen), got %zu characters%s",
                 strlen(curve_public), strlen(curve_public) == CURVE_KEY_LEN ? " that are not Z85" : "");
        return -1;
    }
    const char *p[] = {curve_public, name};
    PGresult *r = pg_exec(pg, "SELECT name FROM intake.sources WHERE curve_public = $1 AND name <> $2", 2, p);
    if (!r) {
        snprintf(err, errlen, "database error: %s", PQerrorMessage(pg));
        return -1;
    }
    int taken = PQntuples(r) == 1;
    if (taken) snprintf(err, errlen, "curve public key is already registered for source '%s'", PQgetvalue(r, 0, 0));
    PQclear(r);
    return taken ? -1 : 0;
}

/* Insert name with the hash of token and its CURVE public key (NULL: none). Returns 1
 * inserted, 0 when the name exists, not revoked, with the same token and key, -1 with err
 * set (database error, the name exists otherwise). */
static int insert_source(PGconn *pg, const char *name, const char *token, const char *curve_public, char *err,
                         size_t errlen) {
    char param[TOKEN_DIGEST_PARAM_LEN];
    token_digest_param(token, param);
    const char *p[] = {name, param, curve_public};
    PGresult *r = pg_exec(pg,
                          "INSERT INTO intake.sources (name, token_sha256, curve_public) VALUES ($1, $2::bytea, $3) "
                          "ON CONFLICT (name) DO NOTHING",
                          3, p);
    if (!r) {
        snprintf(err, errlen, "database error: %s", PQerrorMessage(pg));
        return -1;
    }
    int inserted = strcmp(PQcmdTuples(r), "1") == 0;
    PQclear(r);
    if (inserted) return 1;
    r = pg_exec(pg,
                "SELECT token_sha256 = $2::bytea AND revoked_at IS NULL AND curve_public IS NOT DISTINCT FROM $3 "
                "FROM intake.sources WHERE name = $1",
                3, p);
    if (!r) {
        snprintf(err, errlen, "database error: %s", PQerrorMessage(pg));
        return -1;
    }
    int same = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    if (same) return 0;
    snprintf(err, errlen, "source '%s' already exists", name);
    return -1;
}

int sources_add(PGconn *pg, const char *name, const char *curve_public, char *token, char *err, size_t errlen) {
    if (!valid_name(name, err, errlen) || check_curve_key(pg, name, curve_public, err, errlen) != 0) return -1;
    if (token_new(token) != 0) {
        snprintf(err, errlen, "no randomness available for a token");
        return -1;
    }
    /* A fresh random token never matches an existing one: 0 cannot happen here. */
    return insert_source(pg, name, token, curve_public, err, errlen) == 1 ? 0 : -1;
}

int sources_add_token(PGconn *pg, const char *name, const char *token, const char *curve_public, char *err,
                      size_t errlen) {
    if (!valid_name(name, err, errlen)) return -1;
    if (!sources_token_valid(token)) {
        snprintf(err, errlen, "token of '%s' must be \"jy_\" and 64 lower-case hex digits", name);
        return -1;
    }
    if (check_curve_key(pg, name, curve_public, err, errlen) != 0) return -1;
    int r = insert_source(pg, name, token, curve_public, err, errlen);
    if (r < 0 && strstr(err, "already exists"))
        snprintf(err, errlen,
                 "source '%s' already exists with another token or CURVE key, or is revoked (rotate under a new name)",
                 name);
    return r;
}

int sources_revoke(PGconn *pg, const char *name, char *err, size_t errlen) {
    const char *p[] = {name};
    PGresult *r = pg_exec(pg,
                          "UPDATE intake.sources SET revoked_at = now() "
                          "WHERE name = $1 AND revoked_at IS NULL",
                          1, p);
    if (!r) {
        snprintf(err, errlen, "database error: %s", PQerrorMessage(pg));
        return -1;
    }
    int revoked = strcmp(PQcmdTuples(r), "1") == 0;
    PQclear(r);
    if (revoked) return 1;
    r = pg_exec(pg, "SELECT 1 FROM intake.sources WHERE name = $1", 1, p);
    if (!r) {
        snprintf(err, errlen, "database error: %s", PQerrorMessage(pg));
        return -1;
    }
    int exists = PQntuples(r) == 1;
    PQclear(r);
    if (!exists) {
        snprintf(err, errlen, "no source named '%s'", name);
        return -1;
    }
    return 0;
}

long sources_list(PGconn *pg, source_info_t **out, char *err, size_t errlen) {
    PGresult *r = pg_exec(pg,
                          "SELECT name, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
                          "coalesce(to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '') "
                          "FROM intake.sources ORDER BY name",
                          0, NULL);
    if (!r) {
        snprintf(err, errlen, "database error: %s", PQerrorMessage(pg));
        return -1;
    }
    long n = PQntuples(r);
    source_info_t *list = n ? calloc((size_t)n, sizeof *list) : NULL;
    if (n && !list) {
        PQclear(r);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (long i = 0; i < n; i++) {
        snprintf(list[i].name, sizeof list[i].name, "%s", PQgetvalue(r, (int)i, 0));
        snprintf(list[i].created_at, sizeof list[i].created_at, "%s", PQgetvalue(r, (int)i, 1));
        snprintf(list[i].revoked_at, sizeof list[i].revoked_at, "%s", PQgetvalue(r, (int)i, 2));
    }
    PQclear(r);
    *out = list;
    return n;
}
