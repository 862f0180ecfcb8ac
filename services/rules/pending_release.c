/* pending_release.c: what ends an event's wait (see pending.h): its person's
 * registration, or the 30 days running out. Apart from pending.c, which
 * holds events and is called by rule files: these decide rules again. */
#include "pending.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "persons.h"
#include "pg.h"
#include "timers.h"

typedef struct waiting {
    Jiuye__Event *ev;
    char *decision_id;
} waiting_t;

static int by_date(const void *a, const void *b) {
    const waiting_t *x = a, *y = b;
    int c = strcmp(x->ev->occurred_on, y->ev->occurred_on);
    return c ? c : strcmp(x->ev->event_id, y->ev->event_id);
}

/* The rule key is the last part of a decision id: "src/evt/R01" -> "R01". */
static const char *rule_key(const char *decision_id) {
    const char *slash = strrchr(decision_id, '/');
    return slash ? slash + 1 : decision_id;
}

int pending_release(txn_t *t, const policy_set_t *plans, const char *cert_no, decision_list_t *out) {
    PGconn *pg = txn_pg(t);
    const char *p[] = {cert_no};
    /* Taken out as they are read (one statement): a failure below rolls back. */
    PGresult *r = pg_exec_bin(pg, "DELETE FROM rules.pending WHERE cert_no = $1 RETURNING event, decision_id", 1, p,
                              NULL, NULL, 1);
    if (!r) return -1;
    persons_pending_known(t, cert_no, 0);
    int n = PQntuples(r), rc = 0;
    waiting_t *w = calloc((size_t)n + 1, sizeof *w);
    if (!w) abort();
    for (int i = 0; i < n; i++) {
        w[i].ev = jiuye__event__unpack(NULL, (size_t)PQgetlength(r, i, 0), (const uint8_t *)PQgetvalue(r, i, 0));
        w[i].decision_id = strndup(PQgetvalue(r, i, 1), (size_t)PQgetlength(r, i, 1));
        if (!w[i].ev || !w[i].decision_id) rc = -1;
    }
    PQclear(r);
    if (rc == 0) qsort(w, (size_t)n, sizeof *w, by_date); /* caps are allocated in date order */
    for (int i = 0; i < n && rc == 0; i++) {
        char new_id[400], timer_id[400];
        snprintf(new_id, sizeof new_id, "%s/registered", w[i].decision_id);
        snprintf(timer_id, sizeof timer_id, "pending/%s", w[i].decision_id);
        int failed = 0;
        Jiuye__Decision *d = rules_decide_one(t, plans, w[i].ev, rule_key(w[i].decision_id), new_id, &failed);
        if (failed) rc = -1;
        if (d) {
            decision_correct(d, w[i].decision_id);
            decision_list_add(out, d);
        }
        if (rc == 0 && timers_cancel(pg, timer_id) != 0) rc = -1;
    }
    for (int i = 0; i < n; i++) {
        if (w[i].ev) jiuye__event__free_unpacked(w[i].ev, NULL);
        free(w[i].decision_id);
    }
    free(w);
    return rc;
}

/* 30 days passed without a registration: the pending decision becomes ineligible. */
int pending_expire_fire(const rule_ctx_t *ctx, const Jiuye__Event *ev, const char *detail, decision_list_t *out) {
    const char *p[] = {ev->source, ev->event_id, detail};
    PGresult *r = pg_exec(ctx->pg, "DELETE FROM rules.pending WHERE source = $1 AND event_id = $2 AND decision_id = $3", 3, p);
    if (!r) return -1;
    int still_pending = strcmp(PQcmdTuples(r), "1") == 0;
    PQclear(r);
    persons_pending_known(ctx->txn, rules_event_subject(ev), -1); /* others of the person may still wait */
    if (!still_pending) return 0;
    const rule_def_t *def = rules_find(rule_key(detail));
    if (!def) return 0;
    Jiuye__Decision *d = decision_new(ev, def->key, def->id, def->name, def->clause, def->audience, rules_event_subject(ev));
    char id[400];
    snprintf(id, sizeof id, "%s/expired", detail);
    decision_set_id(d, id);
    decision_correct(d, detail);
    if (ctx->plan) decision_plan(d, ctx->plan);
    decision_fact(d, "registered", "false");
    decision_set(d, "ineligible", "事件到达后 %d 天内未收到该残疾人的登记信息，不予认定", PENDING_DAYS);
    decision_list_add(out, d);
    return 0;
}
