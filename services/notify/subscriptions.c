/* subscriptions.c: subscription storage and fan-out (see subscriptions.h). */
#include "subscriptions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audience.h"
#include "ident.h"
#include "pg.h"

/* The channels and, for webhooks, the payload formats (delivery.c builds them). */
static const char *const channels[] = {"inbox", "webhook", "email"};
static const char *const formats[] = {"json", "wecom", "dingtalk"};

static int one_of(const char *s, const char *const *set, size_t n) {
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(s, set[i]) == 0) return 1;
    return 0;
}

static int valid_name(const char *name) {
    size_t n = strlen(name);
    int ok = n >= 1 && n <= 64;
    for (size_t i = 0; ok && i < n; i++) {
        char c = name[i];
        ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && (c == '.' || c == '_' || c == '-'));
    }
    return ok;
}

/* Printable ASCII without spaces: what a URL or an address may hold here (no header
 * injection through CR/LF, no ambiguity about where it ends). */
static int printable_token(const char *s, const char *forbidden) {
    for (; *s; s++)
        if (*s <= ' ' || *s >= 127 || strchr(forbidden, *s)) return 0;
    return 1;
}

static int valid_url(const char *s) {
    return (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0) && strlen(s) > 8 &&
           strlen(s) <= SUBSCRIPTION_MAX_TARGET && printable_token(s, "\"<>\\^`{|}");
}

static int valid_address(const char *s) {
    const char *at = strchr(s, '@');
    return at && at > s && at[1] && !strchr(at + 1, '@') && strlen(s) <= 254 && printable_token(s, "<>()[],;:\\\"");
}

static int valid_rule(const char *s) {
    return strlen(s) == 3 && s[0] == 'R' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9';
}

static int check_spec(const subscription_spec_t *s, char *err, size_t errlen) {
    if (!s->name || !valid_name(s->name)) {
        snprintf(err, errlen, "name must be 1-64 characters of a-z 0-9 . _ - (starting with a letter or digit)");
        return -1;
    }
    if (!one_of(s->channel, channels, sizeof channels / sizeof *channels)) {
        snprintf(err, errlen, "channel must be inbox, webhook or email");
        return -1;
    }
    int webhook = strcmp(s->channel, "webhook") == 0, email = strcmp(s->channel, "email") == 0;
    if (webhook && (!s->target || !valid_url(s->target))) {
        snprintf(err, errlen, "target: a webhook needs an http:// or https:// URL (at most %d characters)",
                 SUBSCRIPTION_MAX_TARGET);
        return -1;
    }
    if (email && (!s->target || !valid_address(s->target))) {
        snprintf(err, errlen, "target: an email subscription needs an address like staff@example.org");
        return -1;
    }
    if (!webhook && !email && s->target) {
        snprintf(err, errlen, "target: an inbox subscription has no target");
        return -1;
    }
    if (s->format && (!webhook || !one_of(s->format, formats, sizeof formats / sizeof *formats))) {
        snprintf(err, errlen, "format: only webhooks have one, json, wecom or dingtalk");
        return -1;
    }
    if (s->secret && (!webhook || !*s->secret || strlen(s->secret) > SUBSCRIPTION_MAX_SECRET)) {
        snprintf(err, errlen, "secret: only webhooks have one, 1-%d bytes", SUBSCRIPTION_MAX_SECRET);
        return -1;
    }
    for (int i = 0; i < s->n_districts; i++)
        if (!district_name(s->districts[i])) {
            snprintf(err, errlen, "district: unknown district code '%.8s'", s->districts[i]);
            return -1;
        }
    for (int i = 0; i < s->n_audiences; i++)
        if (!audience_label(s->audiences[i])) {
            snprintf(err, errlen, "audience: unknown audience code '%.16s' (cdpf, hrss, finance, ...)", s->audiences[i]);
            return -1;
        }
    for (int i = 0; i < s->n_rules; i++)
        if (!valid_rule(s->rules[i])) {
            snprintf(err, errlen, "rule: '%.8s' is not a rule id like R01", s->rules[i]);
            return -1;
        }
    return 0;
}

int subscriptions_add(PGconn *pg, const subscription_spec_t *s, char *err, size_t errlen) {
    if (check_spec(s, err, errlen) != 0) return -1;
    const char *format = s->format ? s->format : (strcmp(s->channel, "webhook") == 0 ? "json" : NULL);
    char *d = pg_text_array(s->districts, s->n_districts), *a = pg_text_array(s->audiences, s->n_audiences),
         *r = pg_text_array(s->rules, s->n_rules);
    int rc = -1;
    if (!d || !a || !r) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    const char *p[] = {s->name, s->channel, s->target, format, s->secret, d, a, r};
    PGresult *res = pg_exec(pg,
                            "INSERT INTO notify.subscriptions (name, channel, target, format, secret, districts, "
                            "audiences, rules) VALUES ($1, $2, $3, $4, $5, $6::text[], $7::text[], $8::text[]) "
                            "ON CONFLICT (name) DO NOTHING",
                            8, p);
    if (!res) {
        snprintf(err, errlen, "database error: %s", PQerrorMessage(pg));
        goto out;
    }
    if (strcmp(PQcmdTuples(res), "1") != 0)
        snprintf(err, errlen, "subscription '%s' already exists", s->name);
    else
        rc = 0;
    PQclear(res);
out:
    free(d);
    free(a);
    free(r);
    return rc;
}

int subscriptions_remove(PGconn *pg, const char *name, char *err, size_t errlen) {
    const char *p[] = {name};
    PGresult *r = pg_exec(pg, "DELETE FROM notify.subscriptions WHERE name = $1", 1, p);
    if (!r) {
        snprintf(err, errlen, "database error: %s", PQerrorMessage(pg));
        return -1;
    }
    int removed = strcmp(PQcmdTuples(r), "1") == 0;
    PQclear(r);
    return removed;
}

long subscriptions_list(PGconn *pg, subscription_info_t **out, char *err, size_t errlen) {
    PGresult *r = pg_exec(pg,
                          "SELECT name, channel, coalesce(format, ''), coalesce(target, ''), secret IS NOT NULL, "
                          "array_to_string(districts, ','), array_to_string(audiences, ','), "
                          "array_to_string(rules, ','), "
                          "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
                          "FROM notify.subscriptions ORDER BY name",
                          0, NULL);
    if (!r) {
        snprintf(err, errlen, "database error: %s", PQerrorMessage(pg));
        return -1;
    }
    long n = PQntuples(r);
    subscription_info_t *list = n ? calloc((size_t)n, sizeof *list) : NULL;
    if (n && !list) {
        PQclear(r);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (long i = 0; i < n; i++) {
        subscription_info_t *s = &list[i];
        snprintf(s->name, sizeof s->name, "%s", PQgetvalue(r, (int)i, 0));
        snprintf(s->channel, sizeof s->channel, "%s", PQgetvalue(r, (int)i, 1));
        snprintf(s->format, sizeof s->format, "%s", PQgetvalue(r, (int)i, 2));
        snprintf(s->target, sizeof s->target, "%s", PQgetvalue(r, (int)i, 3));
        s->has_secret = PQgetvalue(r, (int)i, 4)[0] == 't';
        snprintf(s->districts, sizeof s->districts, "%s", PQgetvalue(r, (int)i, 5));
        snprintf(s->audiences, sizeof s->audiences, "%s", PQgetvalue(r, (int)i, 6));
        snprintf(s->rules, sizeof s->rules, "%s", PQgetvalue(r, (int)i, 7));
        snprintf(s->created_at, sizeof s->created_at, "%s", PQgetvalue(r, (int)i, 8));
    }
    PQclear(r);
    *out = list;
    return n;
}
