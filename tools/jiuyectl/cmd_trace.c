/* cmd_trace.c: `jiuyectl trace EVENT [--source S] [--json]`, one view of an
 * event's whole chain (see commands.h):
 *
 *   事件     intake.events, read as role jiuye_intake (one connection attempt;
 *            when the database cannot be reached the rest is still shown, with a note)
 *   决定     GET rules   /v1/decisions?event_id=&source=
 *   奖补     GET subsidy /v1/awards?event_id=&source=        nested under their decision
 *   通知     GET notify  /v1/notifications?event_id=&source=  nested under the decision
 *            or award they announce (ref_id), with acknowledgement and deliveries
 *
 * Services read no other schema; jiuyectl is the operator's tool and goes through
 * their staff APIs, which show identities in full (docs/architecture.md "Access"), as this view does.
 * An event id used by two sources needs --source. --json prints the same as one
 * object {event_id, source, events, decisions, awards, notifications, notes}. */
#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "http_client.h"
#include "ident.h"
#include "money.h"
#include "pg.h"

#define TRACE_PAGE 1000 /* notifications per request (the inbox's maximum) */

static void trace_usage(FILE *out) {
    fputs("usage: jiuyectl trace EVENT [--source S] [--json]\n"
          "  the stored event, its decisions (clause, outcome, reason, facts, parameters, plan), their\n"
          "  awards (breakdown) and notifications (acknowledgement, deliveries), in one view.\n"
          "  --source S   the upstream source, when several use the same event id\n"
          "  --json       one JSON object instead of text\n"
          "  Reads intake.events as role jiuye_intake (JIUYE_DB, INTAKE_DB_PASSWORD) and the staff APIs\n"
          "  on 127.0.0.1:RULES_HTTP_PORT (8081), SUBSIDY_HTTP_PORT (8082), NOTIFY_HTTP_PORT (8083).\n",
          out);
}

static const char *str(json_t *obj, const char *key) {
    const char *v = json_string_value(json_object_get(obj, key));
    return v ? v : "";
}

/* "&key=<escaped value>", or "" when value is NULL, into out. */
static void query_param(char *out, size_t outlen, const char *key, const char *value) {
    out[0] = '\0';
    if (!value) return;
    char *esc = curl_easy_escape(NULL, value, 0);
    snprintf(out, outlen, "&%s=%s", key, esc ? esc : "");
    curl_free(esc);
}

/* GET url and return the array under key (new reference), or NULL after a note. */
static json_t *fetch_list(const char *url, const char *key, json_t *notes) {
    http_client_buf_t out = {0};
    char err[512] = "";
    long status = http_client_call(url, NULL, NULL, &out, err, sizeof err);
    json_t *reply = status == 200 && out.data ? json_loads(out.data, 0, NULL) : NULL;
    json_t *list = json_object_get(reply, key);
    char note[1024];
    if (!json_is_array(list)) {
        const char *msg = status == 0 ? err : json_string_value(json_object_get(reply, "error"));
        snprintf(note, sizeof note, "%s: HTTP %ld %s", url, status, msg ? msg : "");
        json_array_append_new(notes, json_string(note));
        list = NULL;
    } else {
        json_incref(list);
    }
    json_decref(reply);
    free(out.data);
    return list;
}

/* The stored events with this id (all sources, or source's), from intake.events,
 * or NULL after a note when the database cannot be read. */
static json_t *intake_events(const char *event_id, const char *source, json_t *notes) {
    static volatile sig_atomic_t one_attempt = 1; /* an operator's command does not wait for a database */
    PGconn *pg = pg_connect("jiuye_intake", "INTAKE_DB_PASSWORD", "jiuyectl", &one_attempt);
    if (!pg) {
        json_array_append_new(notes, json_string("intake: the database is not reachable as jiuye_intake; "
                                                 "the stored event is not shown"));
        return NULL;
    }
    const char *p[] = {event_id, source};
    PGresult *r = pg_exec(pg,
                          "SELECT json_build_object('source', source, 'event_id', event_id, 'type', type, "
                          "'occurred_on', occurred_on, 'district', district, 'received_at', "
                          "to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
                          "'payload', body->'payload')::text FROM intake.events "
                          "WHERE event_id = $1 AND ($2::text IS NULL OR source = $2) ORDER BY source",
                          2, p);
    json_t *list = NULL;
    if (!r) {
        json_array_append_new(notes, json_string("intake: reading intake.events failed; the stored event is not shown"));
    } else {
        list = json_array();
        for (int i = 0; i < PQntuples(r); i++) {
            json_t *e = json_loads(PQgetvalue(r, i, 0), 0, NULL);
            if (e) json_array_append_new(list, e);
        }
        PQclear(r);
    }
    PQfinish(pg);
    return list;
}

/* Every notification of the event, following the inbox's cursor. NULL after a note. */
static json_t *fetch_notifications(const char *base, const char *params, json_t *notes) {
    json_t *all = json_array();
    long long after = 0;
    for (;;) {
        char url[2048];
        snprintf(url, sizeof url, "%s?after=%lld&limit=%d%s", base, after, TRACE_PAGE, params);
        http_client_buf_t out = {0};
        char err[512] = "";
        long status = http_client_call(url, NULL, NULL, &out, err, sizeof err);
        json_t *reply = status == 200 && out.data ? json_loads(out.data, 0, NULL) : NULL;
        free(out.data);
        json_t *page = json_object_get(reply, "notifications");
        if (!json_is_array(page)) {
            char note[2600];
            snprintf(note, sizeof note, "%s: HTTP %ld %s", url, status, status == 0 ? err : "");
            json_array_append_new(notes, json_string(note));
            json_decref(reply);
            json_decref(all);
            return NULL;
        }
        json_array_extend(all, page);
        size_t got = json_array_size(page);
        after = json_integer_value(json_object_get(reply, "next_after"));
        json_decref(reply);
        if (got < TRACE_PAGE) return all;
    }
}

/* --------------------------------------------------------------- text view */

static const char *outcome_text(const char *o) {
    static const char *const names[][2] = {/* as notify words them (services/notify/notice.c) */
                                           {"eligible", "符合条件"},     {"ineligible", "不符合条件"},
                                           {"action_required", "需要处理"}, {"not_in_force", "不在方案有效期"},
                                           {"info", "提示"},             {"pending", "待定"}};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(o, names[i][0]) == 0) return names[i][1];
    return NULL;
}

static const char *status_text(const char *s) {
    if (strcmp(s, "granted") == 0) return "发放";
    if (strcmp(s, "refused") == 0) return "不予发放";
    if (strcmp(s, "waiting_budget") == 0) return "等待预算";
    if (strcmp(s, "pending") == 0) return "待投递";
    if (strcmp(s, "sent") == 0) return "已投递";
    if (strcmp(s, "failed") == 0) return "投递失败";
    return NULL;
}

/* "granted（发放）" */
static void print_status(const char *status) {
    const char *label = status_text(status);
    printf("%s%s%s%s", status, label ? "（" : "", label ? label : "", label ? "）" : "");
}

static void print_district(const char *code) {
    const char *name = district_name(code);
    printf("%s%s%s", code, name ? " " : "", name ? name : "");
}

static void print_event(json_t *e) {
    printf("事件 %s（来源 %s）\n", str(e, "event_id"), str(e, "source"));
    printf("  类型  %s，发生 %s，区县 ", str(e, "type"), str(e, "occurred_on"));
    print_district(str(e, "district"));
    printf("，收到 %s\n", str(e, "received_at"));
    char *payload = json_dumps(json_object_get(e, "payload"), JSON_COMPACT | JSON_SORT_KEYS);
    if (payload) printf("  内容  %s\n", payload);
    free(payload);
}

static void print_notification(json_t *n, const char *indent) {
    printf("%s通知 #%lld [", indent, (long long)json_integer_value(json_object_get(n, "id")));
    print_district(str(n, "district"));
    size_t k;
    json_t *a;
    json_array_foreach(json_object_get(n, "audience"), k, a) printf("%s%s", k ? "," : " · ", json_string_value(a));
    printf("] %s\n", str(n, "title"));
    printf("%s    %s\n", indent, str(n, "body"));
    if (*str(n, "acked_by"))
        printf("%s    已确认：%s，%s\n", indent, str(n, "acked_by"), str(n, "acked_at"));
    else
        printf("%s    未确认（%s 写入）\n", indent, str(n, "created_at"));
    json_t *d;
    json_array_foreach(json_object_get(n, "deliveries"), k, d) {
        printf("%s    投递 %s（%s）", indent, str(d, "subscription"), str(d, "channel"));
        print_status(str(d, "status"));
        printf("，%lld 次", (long long)json_integer_value(json_object_get(d, "attempts")));
        if (json_is_integer(json_object_get(d, "last_code")))
            printf("，最后应答 %lld", (long long)json_integer_value(json_object_get(d, "last_code")));
        if (*str(d, "last_error")) printf("，错误 %s", str(d, "last_error"));
        putchar('\n');
    }
}

/* Print and mark (set "_shown") the notifications whose ref_id is ref. */
static void print_notifications_of(json_t *notifications, const char *ref, const char *indent) {
    size_t k;
    json_t *n;
    json_array_foreach(notifications, k, n) {
        if (strcmp(str(n, "ref_id"), ref) != 0) continue;
        print_notification(n, indent);
        json_object_set_new(n, "_shown", json_true());
    }
}

static void print_award(json_t *a, json_t *notifications) {
    char yuan[32];
    money_format_yuan((int64_t)json_integer_value(json_object_get(a, "amount_fen")), yuan, sizeof yuan);
    printf("  奖补  %s  %s  ", str(a, "award_id"), str(a, "program"));
    print_status(str(a, "status"));
    putchar('\n');
    printf("        金额 %s 元（%lld 分），受益 %s，%lld 年度\n", yuan,
           (long long)json_integer_value(json_object_get(a, "amount_fen")), str(a, "beneficiary"),
           (long long)json_integer_value(json_object_get(a, "year")));
    if (*str(a, "reverses_award_id")) printf("        冲销 %s\n", str(a, "reverses_award_id"));
    if (*str(a, "replaces_award_id")) printf("        接替 %s\n", str(a, "replaces_award_id"));
    if (*str(a, "reason")) printf("        理由 %s\n", str(a, "reason"));
    size_t k;
    json_t *l;
    json_array_foreach(json_object_get(a, "breakdown"), k, l) {
        printf("        明细 %s：%s → %lld 分", str(l, "label"), str(l, "factor"),
               (long long)json_integer_value(json_object_get(l, "amount_fen")));
        if (*str(l, "parameter"))
            printf("（参数 %s%s%s）", str(l, "parameter"), *str(l, "effective_from") ? "，自 " : "",
                   str(l, "effective_from"));
        putchar('\n');
    }
    print_notifications_of(notifications, str(a, "award_id"), "        ");
    json_object_set_new(a, "_shown", json_true());
}

static void print_decision(json_t *d, size_t i, size_t n, json_t *awards, json_t *notifications) {
    const char *label = outcome_text(str(d, "outcome"));
    printf("\n决定 %zu/%zu  %s %s  →  %s%s%s%s\n", i + 1, n, str(d, "rule"), str(d, "rule_name"), str(d, "outcome"),
           label ? "（" : "", label ? label : "", label ? "）" : "");
    printf("  编号  %s（%s，发生 %s，决定于 %s）\n", str(d, "decision_id"), str(d, "event_type"), str(d, "occurred_on"),
           str(d, "decided_on"));
    printf("  条款  %s\n", str(d, "clause"));
    printf("  理由  %s\n", str(d, "reason"));
    printf("  对象  %s（%s）", str(d, "subject"), str(d, "district"));
    if (*str(d, "beneficiary")) printf("，受益 %s（%s）", str(d, "beneficiary"), str(d, "beneficiary_kind"));
    putchar('\n');
    printf("  方案  %s，sha256 %s\n", *str(d, "plan_id") ? str(d, "plan_id") : "-", str(d, "plan_sha256"));
    if (*str(d, "corrects_decision_id")) printf("  更正  %s\n", str(d, "corrects_decision_id"));
    const char *key;
    json_t *v;
    int first = 1;
    json_object_foreach(json_object_get(d, "facts"), key, v) {
        printf("  %s  %s = %s\n", first ? "事实" : "    ", key, json_string_value(v) ? json_string_value(v) : "");
        first = 0;
    }
    size_t k;
    json_array_foreach(json_object_get(d, "parameters"), k, v) {
        printf("  %s  %s = %s（自 %s；%s）\n", k ? "    " : "参数", str(v, "name"), str(v, "value"),
               str(v, "effective_from"), str(v, "source"));
    }
    json_t *a;
    json_array_foreach(awards, k, a) {
        if (strcmp(str(a, "decision_id"), str(d, "decision_id")) == 0) print_award(a, notifications);
    }
    print_notifications_of(notifications, str(d, "decision_id"), "  ");
}

static void print_trace(json_t *t) {
    json_t *events = json_object_get(t, "events"), *decisions = json_object_get(t, "decisions"),
           *awards = json_object_get(t, "awards"), *notifications = json_object_get(t, "notifications");
    size_t k;
    json_t *x;
    json_array_foreach(events, k, x) print_event(x);
    if (json_is_array(events) && json_array_size(events) == 0)
        printf("事件 %s：intake 中没有这条事件（no stored event）\n", str(t, "event_id"));
    json_array_foreach(decisions, k, x) print_decision(x, k, json_array_size(decisions), awards, notifications);
    if (json_is_array(decisions) && json_array_size(decisions) == 0) printf("\n没有决定（no decisions）\n");
    /* Awards and notifications whose decision or award is not in the lists above. */
    int heading = 0;
    json_array_foreach(awards, k, x) {
        if (json_object_get(x, "_shown")) continue;
        if (!heading++) printf("\n其他奖补和通知\n");
        print_award(x, notifications);
    }
    json_array_foreach(notifications, k, x) {
        if (json_object_get(x, "_shown")) continue;
        if (!heading++) printf("\n其他奖补和通知\n");
        print_notification(x, "  ");
    }
    printf("\n%zu 条决定，%zu 项奖补，%zu 条通知\n", json_array_size(decisions), json_array_size(awards),
           json_array_size(notifications));
    json_array_foreach(json_object_get(t, "notes"), k, x) printf("注意：%s\n", json_string_value(x));
}

/* --------------------------------------------------------------- command */

int cmd_trace(int argc, char **argv) {
    if (cmd_help_requested(argc, argv)) {
        trace_usage(stdout);
        return 0;
    }
    const char *event_id = NULL, *source = NULL;
    int as_json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--source") == 0 && i + 1 < argc) source = argv[++i];
        else if (strcmp(argv[i], "--json") == 0) as_json = 1;
        else if (argv[i][0] != '-' && !event_id) event_id = argv[i];
        else {
            trace_usage(stderr);
            return 2;
        }
    }
    if (!event_id || !*event_id || (source && !*source)) {
        trace_usage(stderr);
        return 2;
    }

    json_t *notes = json_array();
    json_t *events = intake_events(event_id, source, notes);
    /* One event id, several sources: the chains would mix; ask which. */
    if (!source && json_array_size(events) > 1) {
        fprintf(stderr, "jiuyectl trace: event id '%s' is used by %zu sources:", event_id, json_array_size(events));
        size_t k;
        json_t *e;
        json_array_foreach(events, k, e) fprintf(stderr, " %s", str(e, "source"));
        fprintf(stderr, "; give --source\n");
        json_decref(events);
        json_decref(notes);
        return 2;
    }
    char found_source[128];
    if (!source && json_array_size(events) == 1) {
        snprintf(found_source, sizeof found_source, "%s", str(json_array_get(events, 0), "source"));
        source = found_source;
    }

    char params[1024], ev_param[512], src_param[512];
    query_param(ev_param, sizeof ev_param, "event_id", event_id);
    query_param(src_param, sizeof src_param, "source", source);
    snprintf(params, sizeof params, "%s%s", ev_param, src_param);

    char *rules = http_client_default_url("RULES_HTTP_PORT", 8081, "/v1/decisions");
    char *subsidy = http_client_default_url("SUBSIDY_HTTP_PORT", 8082, "/v1/awards");
    char *notify = http_client_default_url("NOTIFY_HTTP_PORT", 8083, "/v1/notifications");
    json_t *decisions = NULL, *awards = NULL, *notifications = NULL;
    if (rules && subsidy && notify) {
        char url[2048];
        snprintf(url, sizeof url, "%s?%s", rules, params + 1); /* params starts with '&' */
        decisions = fetch_list(url, "decisions", notes);
        snprintf(url, sizeof url, "%s?%s", subsidy, params + 1);
        awards = fetch_list(url, "awards", notes);
        notifications = fetch_notifications(notify, params, notes);
    }
    free(rules);
    free(subsidy);
    free(notify);
    int failed = !decisions || !awards || !notifications;
    int found = json_array_size(events) + json_array_size(decisions) + json_array_size(awards) +
                    json_array_size(notifications) > 0;

    json_t *t = json_pack("{s:s,s:s?,s:o,s:o,s:o,s:o,s:o}", "event_id", event_id, "source", source, "events",
                          events ? events : json_null(), "decisions", decisions ? decisions : json_array(), "awards",
                          awards ? awards : json_array(), "notifications",
                          notifications ? notifications : json_array(), "notes", notes);
    if (!t) {
        fprintf(stderr, "jiuyectl trace: out of memory\n");
        return 1;
    }
    if (as_json) {
        json_dumpf(t, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
    } else {
        print_trace(t);
    }
    json_decref(t);
    if (failed) {
        fprintf(stderr, "jiuyectl trace: a service did not answer (see the notes)\n");
        return 1;
    }
    if (!found) {
        fprintf(stderr, "jiuyectl trace: nothing known about event '%s'%s%s\n", event_id, source ? " from " : "",
                source ? source : "");
        return 1;
    }
    return 0;
}
