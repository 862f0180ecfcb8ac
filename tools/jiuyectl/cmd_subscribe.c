/* cmd_subscribe.c: `jiuyectl subscribe add|list|remove` (see commands.h), over
 * services/notify/subscriptions.c as role jiuye_notify. Filters take one code per
 * option or a comma-separated list: --district 320706,320722. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "pg.h"
#include "subscriptions.h"

static void subscribe_usage(FILE *out) {
    fputs("usage:\n"
          "  jiuyectl subscribe add NAME --channel inbox|webhook|email [--target URL|ADDRESS]\n"
          "      [--format json|wecom|dingtalk] [--secret S] [--district CODE]... [--audience CODE]... [--rule RNN]...\n"
          "  jiuyectl subscribe list\n"
          "  jiuyectl subscribe remove NAME\n",
          out);
}

/* Split value on commas into list (pointers into value). Returns 0, or -1 when full. */
static int add_filter(char *value, const char **list, int *n) {
    char *save = NULL;
    for (char *tok = strtok_r(value, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (*n == SUBSCRIPTION_MAX_FILTER) return -1;
        list[(*n)++] = tok;
    }
    return 0;
}

static int subscribe_add(PGconn *pg, int argc, char **argv) {
    subscription_spec_t spec = {.name = argv[2]};
    for (int i = 3; i < argc; i += 2) {
        const char *opt = argv[i];
        if (i + 1 >= argc) {
            fprintf(stderr, "jiuyectl subscribe: %s needs a value\n", opt);
            return 2;
        }
        char *v = argv[i + 1];
        int full = 0;
        if (strcmp(opt, "--channel") == 0) spec.channel = v;
        else if (strcmp(opt, "--target") == 0) spec.target = v;
        else if (strcmp(opt, "--format") == 0) spec.format = v;
        else if (strcmp(opt, "--secret") == 0) spec.secret = v;
        else if (strcmp(opt, "--district") == 0) full = add_filter(v, spec.districts, &spec.n_districts);
        else if (strcmp(opt, "--audience") == 0) full = add_filter(v, spec.audiences, &spec.n_audiences);
        else if (strcmp(opt, "--rule") == 0) full = add_filter(v, spec.rules, &spec.n_rules);
        else {
            fprintf(stderr, "jiuyectl subscribe: unknown option %s\n", opt);
            return 2;
        }
        if (full) {
            fprintf(stderr, "jiuyectl subscribe: at most %d values per filter\n", SUBSCRIPTION_MAX_FILTER);
            return 2;
        }
    }
    char err[256];
    if (subscriptions_add(pg, &spec, err, sizeof err) != 0) {
        fprintf(stderr, "jiuyectl: cannot add subscription: %s\n", err);
        return 1;
    }
    printf("subscription '%s' added\n", spec.name);
    return 0;
}

int cmd_subscribe(int argc, char **argv) {
    if (cmd_help_requested(argc, argv)) {
        subscribe_usage(stdout);
        return 0;
    }
    const char *sub = argc >= 2 ? argv[1] : "";
    int add = strcmp(sub, "add") == 0 && argc >= 3, list = strcmp(sub, "list") == 0 && argc == 2,
        remove = strcmp(sub, "remove") == 0 && argc == 3;
    if (!add && !list && !remove) {
        subscribe_usage(stderr);
        return 2;
    }
    PGconn *pg = pg_connect("jiuye_notify", "NOTIFY_DB_PASSWORD", "jiuyectl", NULL);
    if (!pg) return 1;
    char err[256];
    int rc = 0;
    if (add) {
        rc = subscribe_add(pg, argc, argv);
    } else if (remove) {
        int r = subscriptions_remove(pg, argv[2], err, sizeof err);
        if (r < 0) fprintf(stderr, "jiuyectl: cannot remove subscription: %s\n", err);
        else if (r == 0) fprintf(stderr, "jiuyectl: no subscription named '%s'\n", argv[2]);
        else printf("subscription '%s' removed\n", argv[2]);
        rc = r == 1 ? 0 : 1;
    } else {
        subscription_info_t *subs = NULL;
        long n = subscriptions_list(pg, &subs, err, sizeof err);
        if (n < 0) {
            fprintf(stderr, "jiuyectl: cannot list subscriptions: %s\n", err);
            rc = 1;
        }
        for (long i = 0; i < n; i++) {
            const subscription_info_t *s = &subs[i];
            printf("%-24s %-7s %-8s %s%s  district=%s audience=%s rule=%s  %s\n", s->name, s->channel,
                   s->format[0] ? s->format : "-", s->target[0] ? s->target : "-", s->has_secret ? " (signed)" : "",
                   s->districts[0] ? s->districts : "*", s->audiences[0] ? s->audiences : "*",
                   s->rules[0] ? s->rules : "*", s->created_at);
        }
        free(subs);
    }
    PQfinish(pg);
    return rc;
}
