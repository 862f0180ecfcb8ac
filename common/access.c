/* access.c: principals, roles, the access log and the throttle (see access.h). */
#include "access.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ident.h"
#include "log.h"
#include "pg.h"
#include "token.h"

/* The roles by bit: the names the route tables print and the database stores. */
static const struct {
    unsigned bit;
    const char *name;
} roles[] = {
    {ACCESS_PUBLIC, "public"},   {ACCESS_SOURCE, "source"},   {ACCESS_STAFF, "staff"},   {ACCESS_OPERATOR, "operator"},
    {ACCESS_AUDITOR, "auditor"}, {ACCESS_METRICS, "metrics"}, {ACCESS_TICKET, "ticket"},
};

const char *access_role_name(unsigned bit) {
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (roles[i].bit == bit) return roles[i].name;
    return NULL;
}

unsigned access_role_bit(const char *name) {
    for (size_t i = 0; name && i < sizeof roles / sizeof roles[0]; i++)
        if (strcmp(roles[i].name, name) == 0) return roles[i].bit;
    return 0;
}

char *access_rule_text(unsigned rule, char *out, size_t len) {
    size_t at = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        if (!(rule & roles[i].bit)) continue;
        int n = snprintf(out + at, len - at, "%s%s", at ? "," : "", roles[i].name);
        if (n < 0 || (size_t)n >= len - at) break;
        at += (size_t)n;
    }
    return out;
}

const char *access_bearer(const char *header) {
    if (!header || strncasecmp(header, "Bearer ", 7) != 0) return NULL;
    const char *t = header + 7;
    t += strspn(t, " ");
    size_t len = strcspn(t, " \t\r\n");
    if (t[len] != '\0' || !token_valid(t, len)) return NULL;
    return t;
}

int access_authenticate(PGconn *pg, const char *token, access_who_t *who) {
    char param[TOKEN_DIGEST_PARAM_LEN];
    token_digest_param(token, param);
    const char *p[] = {param};
    PGresult *r = pg_exec(pg,
                          "SELECT role, id, name, district, department FROM access.principals "
                          "WHERE token_sha256 = $1::bytea AND revoked_at IS NULL "
                          "AND (expires_at IS NULL OR expires_at > now())",
                          1, p);
    if (!r) return -1;
    int found = PQntuples(r) == 1 && access_role_bit(PQgetvalue(r, 0, 0)) != 0;
    if (found) {
        memset(who, 0, sizeof *who);
        who->role = access_role_bit(PQgetvalue(r, 0, 0));
        who->id = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
        snprintf(who->name, sizeof who->name, "%s", PQgetvalue(r, 0, 2));
        snprintf(who->district, sizeof who->district, "%s", PQgetvalue(r, 0, 3));
        snprintf(who->department, sizeof who->department, "%s", PQgetvalue(r, 0, 4));
    }
    PQclear(r);
    return found;
}

int access_log_write(PGconn *pg, const access_who_t *who, const char *service, const char *method, const char *route,
                     const char *const *subjects, size_t n) {
    char *list = pg_text_array(subjects, (int)n);
    if (!list) {
        log_error("access log: out of memory");
        return -1;
    }
    const char *role = access_role_name(who->role);
    const char *p[] = {who->name, role ? role : "?", service, method, route, list};
    int rc = pg_cmd(pg,
                    "INSERT INTO audit.access_log (who, role, service, method, route, subjects) "
                    "VALUES ($1, $2, $3, $4, $5, ARRAY(SELECT DISTINCT unnest($6::text[]) ORDER BY 1))",
                    6, p);
    free(list);
    if (rc != 0) log_error("access log: the row for %s %s was not stored: the answer is withheld", method, route);
    return rc;
}

int access_log_result(PGconn *pg, const access_who_t *who, const char *service, const char *method, const char *route,
                      const PGresult *r, int col) {
    int rows = PQntuples(r);
    const char **subjects = rows ? calloc((size_t)rows, sizeof *subjects) : NULL;
    if (rows && !subjects) {
        log_error("access log: out of memory");
        return -1;
    }
    size_t n = 0;
    for (int i = 0; i < rows; i++)
        if (strlen(PQgetvalue(r, i, col)) == CERT_NO_LEN) subjects[n++] = PQgetvalue(r, i, col);
    int rc = n ? access_log_write(pg, who, service, method, route, subjects, n) : 0;
    free(subjects);
    return rc;
}

/* ---------------------------------------------------------------- throttle */

static access_throttle_slot_t *slot_find(access_throttle_t *t, const char *addr) {
    for (size_t i = 0; i < t->used; i++)
        if (strcmp(t->slots[i].addr, addr) == 0) return &t->slots[i];
    return NULL;
}

long access_throttle_wait(access_throttle_t *t, const char *addr, time_t now) {
    access_throttle_slot_t *s = slot_find(t, addr);
    if (!s || s->blocked_until <= now) return 0;
    t->throttled_total++;
    return (long)(s->blocked_until - now);
}

void access_throttle_fail(access_throttle_t *t, const char *addr, time_t now) {
    t->failures_total++;
    access_throttle_slot_t *s = slot_find(t, addr);
    if (!s) {
        if (t->used < ACCESS_THROTTLE_SLOTS) {
            s = &t->slots[t->used++];
        } else { /* forget the address not heard of for longest */
            s = &t->slots[0];
            for (size_t i = 1; i < t->used; i++)
                if (t->slots[i].last < s->last) s = &t->slots[i];
        }
        memset(s, 0, sizeof *s);
        snprintf(s->addr, sizeof s->addr, "%s", addr);
    }
    if (s->failures == 0 || now - s->first >= ACCESS_WINDOW_S) {
        s->first = now;
        s->failures = 0;
    }
    s->last = now;
    if (++s->failures >= (t->max_failures > 0 ? t->max_failures : ACCESS_MAX_FAILURES)) {
        s->blocked_until = now + ACCESS_WINDOW_S;
        s->failures = 0;
    }
}
