/* cmd_token.c: `jiuyectl operator|auditor|metrics add|revoke|list` (see commands.h):
 * the tokens of the roles that are not sources or staff, in access.tokens (migration
 * 016), as role jiuye_notify. A token is printed once by add; only its SHA-256 is
 * stored; list shows names and dates, never a secret. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "date.h"
#include "pg.h"
#include "staff.h"
#include "token.h"

#define TS_UTC(col) "coalesce(to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '')"

static void token_usage(FILE *out, const char *role) {
    fprintf(out,
            "usage:\n"
            "  jiuyectl %s add NAME [--expires YYYY-MM-DD]   prints the token once; it stops\n"
            "      working at the start of that day (Asia/Shanghai)\n"
            "  jiuyectl %s revoke NAME\n"
            "  jiuyectl %s list\n",
            role, role, role);
}

/* The --expires value as the SQL timestamptz text of its start in Asia/Shanghai,
 * into out; 0, or -1 (said on stderr) when it is not a date after today. */
int cmd_expiry(const char *cmd, const char *value, char *out, size_t len) {
    jdate_t d;
    char today[16];
    if (date_parse(value, &d) != 0) {
        fprintf(stderr, "jiuyectl %s: --expires: must be a date YYYY-MM-DD, not '%.40s'\n", cmd, value);
        return -1;
    }
    if (d <= date_today()) {
        fprintf(stderr, "jiuyectl %s: --expires: %s is not after today (%s)\n", cmd, value,
                date_format(date_today(), today));
        return -1;
    }
    snprintf(out, len, "%s 00:00:00+08", value);
    return 0;
}

static int token_add(PGconn *pg, const char *role, int argc, char **argv) {
    const char *expires = NULL;
    char at[40];
    for (int i = 3; i < argc; i += 2) {
        if (strcmp(argv[i], "--expires") != 0 || i + 1 >= argc) {
            fprintf(stderr, "jiuyectl %s add: unknown option or missing value: %s\n", role, argv[i]);
            return 2;
        }
        if (cmd_expiry(role, argv[i + 1], at, sizeof at) != 0) return 2;
        expires = at;
    }
    if (!staff_name_valid(argv[2])) {
        fprintf(stderr, "jiuyectl %s add: name: must be 1-64 characters of a-z 0-9 . _ - (starting with a letter or digit)\n",
                role);
        return 2;
    }
    char token[TOKEN_LEN + 1], param[TOKEN_DIGEST_PARAM_LEN];
    if (token_new(token) != 0) {
        fprintf(stderr, "jiuyectl: no randomness for a token\n");
        return 1;
    }
    token_digest_param(token, param);
    const char *p[] = {role, argv[2], param, expires};
    PGresult *r = pg_exec(pg,
                          "INSERT INTO access.tokens (role, name, token_sha256, expires_at) "
                          "VALUES ($1, $2, $3::bytea, $4::timestamptz) ON CONFLICT (role, name) DO NOTHING RETURNING 1",
                          4, p);
    if (!r) {
        fprintf(stderr, "jiuyectl: cannot add %s: %s", role, PQerrorMessage(pg));
        return 1;
    }
    int added = PQntuples(r) == 1;
    PQclear(r);
    if (!added) {
        fprintf(stderr, "jiuyectl: cannot add %s: '%s' already exists (revoke it and choose another name)\n", role,
                argv[2]);
        return 1;
    }
    printf("%s\n", token);
    return 0;
}

static int token_revoke(PGconn *pg, const char *role, const char *name) {
    const char *p[] = {role, name};
    PGresult *r = pg_exec(pg,
                          "WITH u AS (UPDATE access.tokens SET revoked_at = now() "
                          "WHERE role = $1 AND name = $2 AND revoked_at IS NULL RETURNING 1) "
                          "SELECT (SELECT count(*) FROM u) > 0, (SELECT count(*) FROM access.tokens WHERE role = $1 AND name = $2)",
                          2, p);
    if (!r) {
        fprintf(stderr, "jiuyectl: cannot revoke %s: %s", role, PQerrorMessage(pg));
        return 1;
    }
    int now = strcmp(PQgetvalue(r, 0, 0), "t") == 0, known = strcmp(PQgetvalue(r, 0, 1), "0") != 0;
    PQclear(r);
    if (!now && !known) {
        fprintf(stderr, "jiuyectl: cannot revoke %s: no %s named '%s'\n", role, role, name);
        return 1;
    }
    printf("%s '%s' %s\n", role, name, now ? "revoked" : "was already revoked");
    return 0;
}

static int token_list(PGconn *pg, const char *role) {
    const char *p[] = {role};
    PGresult *r = pg_exec(pg,
                          "SELECT name, " TS_UTC("created_at") ", " TS_UTC("expires_at") ", " TS_UTC("revoked_at") ", "
                          "expires_at IS NOT NULL AND expires_at <= now() FROM access.tokens WHERE role = $1 ORDER BY name",
                          1, p);
    if (!r) {
        fprintf(stderr, "jiuyectl: cannot list %s tokens: %s", role, PQerrorMessage(pg));
        return 1;
    }
    for (int i = 0; i < PQntuples(r); i++) {
        const char *revoked = PQgetvalue(r, i, 3), *expires = PQgetvalue(r, i, 2);
        int expired = strcmp(PQgetvalue(r, i, 4), "t") == 0;
        printf("%-32s %s  %s%s%s%s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
               *revoked ? "revoked " : expired ? "expired " : "active", revoked,
               !*revoked && *expires ? (expired ? "" : " until ") : "", !*revoked && *expires ? expires : "");
    }
    PQclear(r);
    return 0;
}

int cmd_token(int argc, char **argv) {
    const char *role = argv[0];
    if (cmd_help_requested(argc, argv)) {
        token_usage(stdout, role);
        return 0;
    }
    const char *sub = argc >= 2 ? argv[1] : "";
    int ok = (strcmp(sub, "add") == 0 && argc >= 3) || (strcmp(sub, "revoke") == 0 && argc == 3) ||
             (strcmp(sub, "list") == 0 && argc == 2);
    if (!ok) {
        token_usage(stderr, role);
        return 2;
    }
    PGconn *pg = pg_connect("jiuye_notify", "NOTIFY_DB_PASSWORD", "jiuyectl", NULL);
    if (!pg) return 1;
    int rc = strcmp(sub, "add") == 0      ? token_add(pg, role, argc, argv)
             : strcmp(sub, "revoke") == 0 ? token_revoke(pg, role, argv[2])
                                          : token_list(pg, role);
    pg_finish(pg);
    return rc;
}
