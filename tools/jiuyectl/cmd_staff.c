/* cmd_staff.c: `jiuyectl staff add|revoke|list` (see commands.h), over
 * services/notify/staff.c as role jiuye_notify: who may sign in to the web console. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audience.h"
#include "commands.h"
#include "ident.h"
#include "pg.h"
#include "staff.h"

static void staff_usage(FILE *out) {
    fputs("usage:\n"
          "  jiuyectl staff add NAME --district CODE --department AUDIENCE [--expires YYYY-MM-DD]\n"
          "      prints the console token once (only its SHA-256 is stored); AUDIENCE is the\n"
          "      department notifications are addressed to: cdpf, hrss, health, finance,\n"
          "      education, tax, org, staffing, sasac, civil\n"
          "  jiuyectl staff revoke NAME\n"
          "  jiuyectl staff list\n",
          out);
}

static int staff_add_cmd(PGconn *pg, int argc, char **argv) {
    const char *district = NULL, *department = NULL, *expires = NULL;
    char at[40];
    for (int i = 3; i < argc; i += 2) {
        if (i + 1 >= argc) {
            fprintf(stderr, "jiuyectl staff: %s needs a value\n", argv[i]);
            return 2;
        }
        if (strcmp(argv[i], "--district") == 0) district = argv[i + 1];
        else if (strcmp(argv[i], "--department") == 0) department = argv[i + 1];
        else if (strcmp(argv[i], "--expires") == 0) {
            if (cmd_expiry("staff", argv[i + 1], at, sizeof at) != 0) return 2;
            expires = at;
        }
        else {
            fprintf(stderr, "jiuyectl staff: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (!district || !department) {
        fprintf(stderr, "jiuyectl staff add: --district and --department are required\n");
        return 2;
    }
    char token[TOKEN_LEN + 1], err[256];
    const char *p[] = {argv[2], expires};
    /* the member and their expiry together, or neither */
    if (pg_begin(pg) != 0) {
        fprintf(stderr, "jiuyectl: cannot add staff member: %s", PQerrorMessage(pg));
        return 1;
    }
    if (staff_add(pg, argv[2], district, department, token, err, sizeof err) != 0) {
        pg_rollback(pg);
        fprintf(stderr, "jiuyectl: cannot add staff member: %s\n", err);
        return 1;
    }
    if ((expires && pg_cmd(pg, "UPDATE notify.staff SET expires_at = $2::timestamptz WHERE name = $1", 2, p) != 0) ||
        pg_commit(pg) != 0) {
        pg_rollback(pg);
        fprintf(stderr, "jiuyectl: cannot add staff member: %s", PQerrorMessage(pg));
        return 1;
    }
    printf("%s\n", token);
    return 0;
}

int cmd_staff(int argc, char **argv) {
    if (cmd_help_requested(argc, argv)) {
        staff_usage(stdout);
        return 0;
    }
    const char *sub = argc >= 2 ? argv[1] : "";
    int ok = (strcmp(sub, "add") == 0 && argc >= 3) || (strcmp(sub, "revoke") == 0 && argc == 3) ||
             (strcmp(sub, "list") == 0 && argc == 2);
    if (!ok) {
        staff_usage(stderr);
        return 2;
    }
    PGconn *pg = pg_connect("jiuye_notify", "NOTIFY_DB_PASSWORD", "jiuyectl", NULL);
    if (!pg) return 1;
    char err[256];
    int rc = 0;
    if (strcmp(sub, "add") == 0) {
        rc = staff_add_cmd(pg, argc, argv);
    } else if (strcmp(sub, "revoke") == 0) {
        int r = staff_revoke(pg, argv[2], err, sizeof err);
        if (r < 0) {
            fprintf(stderr, "jiuyectl: cannot revoke staff member: %s\n", err);
            rc = 1;
        } else {
            printf("staff member '%s' %s\n", argv[2], r ? "revoked" : "was already revoked");
        }
    } else {
        staff_info_t *list = NULL;
        long n = staff_list(pg, &list, err, sizeof err);
        if (n < 0) {
            fprintf(stderr, "jiuyectl: cannot list staff: %s\n", err);
            rc = 1;
        }
        for (long i = 0; i < n; i++) {
            const char *d = district_name(list[i].who.district), *a = audience_label(list[i].who.department);
            printf("%-24s %s %-8s %-10s %-6s %s  %s%s\n", list[i].who.name, list[i].who.district, d ? d : "?",
                   list[i].who.department, a ? a : "?", list[i].created_at,
                   list[i].revoked_at[0] ? "revoked " : "active", list[i].revoked_at);
        }
        free(list);
    }
    PQfinish(pg);
    return rc;
}
