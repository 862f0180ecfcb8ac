/* cmd_replay.c: `jiuyectl replay --from DATE --to DATE [--rule RNN] [--dry-run]
 * [--json] [--url URL]`, deciding past events again after a policy correction
 * (services/rules/replay.h says how).
 *
 * One POST /v1/replay to the rules service (URL, default
 * http://127.0.0.1:$RULES_HTTP_PORT/v1/replay, port 8081); it prints per rule
 * how many decisions were examined, unchanged, corrected and skipped (and
 * why), then each correction with its differences. --dry-run shows the same
 * and writes nothing. Corrections become corrective decisions, and in the
 * subsidy service reversals plus new awards; nothing stored is ever edited, and
 * a second identical replay finds nothing to correct. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "http_client.h"

static void replay_usage(FILE *out) {
    fputs("usage: jiuyectl replay --from YYYY-MM-DD --to YYYY-MM-DD [--rule RNN] [--dry-run] [--json] [--url URL]\n"
          "  decide again the events that occurred from --from to --to (inclusive) under the plan files the\n"
          "  rules service has now (after kill -HUP or a restart); each difference with the latest\n"
          "  decision becomes a corrective decision (in subsidy: a reversal and a new award). A second\n"
          "  identical replay changes nothing.\n"
          "  --rule RNN   only this rule (R01..R17)\n"
          "  --dry-run    show the differences, write nothing\n"
          "  --json       the service's reply as JSON\n"
          "  --url URL    default http://127.0.0.1:RULES_HTTP_PORT/v1/replay (8081)\n",
          out);
}

static const char *text(json_t *obj, const char *key) {
    const char *v = json_string_value(json_object_get(obj, key));
    return v ? v : "-";
}

static long long num(json_t *obj, const char *key) { return (long long)json_integer_value(json_object_get(obj, key)); }

/* A value of a difference: a string as it is, null as "(无)". */
static const char *shown(json_t *v) { return json_is_string(v) ? json_string_value(v) : "(无)"; }

static void print_reply(json_t *reply) {
    json_t *id = json_object_get(reply, "replay_id");
    if (json_is_integer(id))
        printf("回放 #%lld", (long long)json_integer_value(id));
    else
        printf("回放（试运行 dry run：不写入任何决定）");
    printf("  %s 至 %s  %s%s  事件 %lld\n", text(reply, "from"), text(reply, "to"),
           json_is_string(json_object_get(reply, "rule")) ? "规则 " : "全部规则",
           json_is_string(json_object_get(reply, "rule")) ? text(reply, "rule") : "", num(reply, "events"));
    printf("%-5s %9s %10s %10s %8s\n", "rule", "examined", "unchanged", "corrected", "skipped");
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(reply, "rules"), i, r) {
        printf("%-5s %9lld %10lld %10lld %8lld\n", text(r, "rule"), num(r, "examined"), num(r, "unchanged"),
               num(r, "corrected"), num(r, "skipped"));
        const char *why;
        json_t *n;
        json_object_foreach(json_object_get(r, "skipped_why"), why, n)
            printf("      skipped %lld: %s\n", (long long)json_integer_value(n), why);
    }
    json_t *t = json_object_get(reply, "totals");
    printf("%-5s %9lld %10lld %10lld %8lld\n", "total", num(t, "examined"), num(t, "unchanged"), num(t, "corrected"),
           num(t, "skipped"));
    json_t *c;
    json_array_foreach(json_object_get(reply, "corrections"), i, c) {
        printf("更正 %s/%s %s（%s）：%s -> %s\n", text(c, "source"), text(c, "event_id"), text(c, "rule"),
               text(c, "occurred_on"), json_is_string(json_object_get(c, "corrects")) ? text(c, "corrects") : "(无决定)",
               text(c, "decision_id"));
        size_t k;
        json_t *d;
        json_array_foreach(json_object_get(c, "differences"), k, d) {
            const char *name = json_string_value(json_object_get(d, "name"));
            printf("    %s%s%s: %s -> %s\n", text(d, "field"), name ? " " : "", name ? name : "",
                   shown(json_object_get(d, "before")), shown(json_object_get(d, "after")));
        }
    }
    if (json_is_true(json_object_get(reply, "corrections_truncated")))
        printf("（更正过多，只列出前 %zu 条；全部已计入上表）\n", json_array_size(json_object_get(reply, "corrections")));
}

int cmd_replay(int argc, char **argv) {
    if (cmd_help_requested(argc, argv)) {
        replay_usage(stdout);
        return 0;
    }
    const char *from = NULL, *to = NULL, *rule = NULL, *url = NULL;
    int dry_run = 0, as_json = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        if (strcmp(a, "--from") == 0 && has_value) from = argv[++i];
        else if (strcmp(a, "--to") == 0 && has_value) to = argv[++i];
        else if (strcmp(a, "--rule") == 0 && has_value) rule = argv[++i];
        else if (strcmp(a, "--url") == 0 && has_value) url = argv[++i];
        else if (strcmp(a, "--dry-run") == 0) dry_run = 1;
        else if (strcmp(a, "--json") == 0) as_json = 1;
        else {
            fprintf(stderr, "jiuyectl replay: unexpected argument '%s'\n", a);
            replay_usage(stderr);
            return 2;
        }
    }
    if (!from || !to) {
        fprintf(stderr, "jiuyectl replay: --from and --to are required\n");
        replay_usage(stderr);
        return 2;
    }
    /* The service checks the dates and the rule and names the field it refuses. */
    json_t *req = json_pack("{s:s,s:s,s:b}", "from", from, "to", to, "dry_run", dry_run);
    if (rule) json_object_set_new(req, "rule", json_string(rule));
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    char *target = url ? strdup(url) : http_client_default_url("RULES_HTTP_PORT", 8081, "/v1/replay");
    http_client_buf_t out = {0};
    char err[512] = "";
    long status = body && target ? http_client_call(target, NULL, body, &out, err, sizeof err) : 0;
    json_t *reply = out.data ? json_loads(out.data, 0, NULL) : NULL;
    int rc = 0;
    if (status != 200 || !json_is_object(reply)) {
        const char *msg = json_string_value(json_object_get(reply, "error"));
        fprintf(stderr, "jiuyectl replay: %s: HTTP %ld %s\n", target ? target : "?", status, msg ? msg : err);
        rc = status == 400 ? 2 : 1;
    } else if (as_json) {
        char *text = json_dumps(reply, JSON_INDENT(2));
        if (text) puts(text);
        free(text);
    } else {
        print_reply(reply);
    }
    json_decref(reply);
    free(out.data);
    free(body);
    free(target);
    return rc;
}
