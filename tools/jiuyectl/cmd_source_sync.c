/* cmd_source_sync.c: `jiuyectl source sync FILE`, upstream sources provisioned from a file
 * (the compose secret upstream_sources, mounted at /run/secrets/upstream_sources).
 *
 * FILE has one source per line, "NAME TOKEN [CURVE_PUBLIC_KEY]" (blank lines and lines
 * starting with # are skipped); the token is one the operator made and gave the upstream
 * system ("jy_" + 64 lower-case hex: `printf 'jy_%s\n' "$(openssl rand -hex 32)"`), the key
 * (Z85, 40 characters) the public one of the pair the system signs in with to intake's
 * ZeroMQ front door. Sources already there with the same token and key are left as they
 * are, so the compose migrate step
 * runs this at every start. The whole file is checked first and applied in one
 * transaction: a bad line, or a name already used with another token (or revoked),
 * changes nothing and is named with its line number. Tokens are never printed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "pg.h"
#include "sources.h"

#define SYNC_MAX_SOURCES 256

typedef struct {
    char name[72];
    char token[80];
    char curve_public[48]; /* "" when the line has none */
    int line;
} sync_entry_t;

/* Parse FILE into entries. Returns how many, or -1 after printing what is wrong. */
static int parse_file(const char *path, sync_entry_t *e, int cap) {
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "jiuyectl source sync: cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    char buf[512];
    int n = 0, line = 0, bad = 0;
    while (fgets(buf, sizeof buf, f)) {
        line++;
        if (!strchr(buf, '\n') && !feof(f)) {
            fprintf(stderr, "jiuyectl source sync: %s:%d: line too long\n", path, line);
            bad = 1;
            break;
        }
        char name[512], token[512], key[512] = "", extra[2];
        int k = sscanf(buf, "%511s %511s %511s %1s", name, token, key, extra);
        if (k <= 0 || name[0] == '#') continue;
        if (k != 2 && k != 3) {
            fprintf(stderr, "jiuyectl source sync: %s:%d: expected \"NAME TOKEN [CURVE_PUBLIC_KEY]\"\n", path, line);
            bad = 1;
            continue;
        }
        if (k == 3 && !sources_curve_key_valid(key)) {
            fprintf(stderr, "jiuyectl source sync: %s:%d: CURVE public key of '%.64s' must be 40 characters of Z85\n",
                    path, line, name);
            bad = 1;
            continue;
        }
        if (!sources_token_valid(token)) {
            fprintf(stderr, "jiuyectl source sync: %s:%d: token of '%.64s' must be \"jy_\" and 64 lower-case hex digits\n",
                    path, line, name);
            bad = 1;
            continue;
        }
        if (strlen(name) >= sizeof e[0].name) {
            fprintf(stderr, "jiuyectl source sync: %s:%d: name longer than 64 characters\n", path, line);
            bad = 1;
            continue;
        }
        for (int i = 0; i < n; i++) {
            if (strcmp(e[i].name, name) == 0) {
                fprintf(stderr, "jiuyectl source sync: %s:%d: '%s' is already on line %d\n", path, line, name, e[i].line);
                bad = 1;
            }
        }
        if (n == cap) {
            fprintf(stderr, "jiuyectl source sync: %s: more than %d sources\n", path, cap);
            bad = 1;
            break;
        }
        memcpy(e[n].name, name, strlen(name) + 1);    /* length checked above */
        memcpy(e[n].token, token, strlen(token) + 1); /* TOKEN_LEN, checked above */
        memcpy(e[n].curve_public, key, strlen(key) + 1); /* "" or CURVE_KEY_LEN, checked above */
        e[n].line = line;
        n++;
    }
    fclose(f);
    return bad ? -1 : n;
}

int cmd_source_sync(PGconn *pg, const char *path) {
    static sync_entry_t entries[SYNC_MAX_SOURCES];
    int n = parse_file(path, entries, SYNC_MAX_SOURCES);
    if (n < 0) return 1;
    PGresult *r = pg_exec(pg, "BEGIN", 0, NULL);
    if (!r) {
        fprintf(stderr, "jiuyectl source sync: database error: %s", PQerrorMessage(pg));
        return 1;
    }
    PQclear(r);
    int added = 0, kept = 0, rc = 0;
    char err[256];
    for (int i = 0; i < n && rc == 0; i++) {
        int a = sources_add_token(pg, entries[i].name, entries[i].token,
                                  entries[i].curve_public[0] ? entries[i].curve_public : NULL, err, sizeof err);
        if (a < 0) {
            fprintf(stderr, "jiuyectl source sync: %s:%d: %s\n", path, entries[i].line, err);
            rc = 1;
        } else {
            added += a;
            kept += !a;
        }
    }
    r = pg_exec(pg, rc == 0 ? "COMMIT" : "ROLLBACK", 0, NULL);
    if (!r) {
        fprintf(stderr, "jiuyectl source sync: database error: %s", PQerrorMessage(pg));
        return 1;
    }
    PQclear(r);
    memset(entries, 0, sizeof entries); /* the tokens do not outlive the command */
    if (rc == 0) printf("sources: %d added, %d already there\n", added, kept);
    else printf("sources: nothing changed\n");
    return rc;
}
