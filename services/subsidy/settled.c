/* settled.c: decisions recorded as settled (see settled.h). */
#include "settled.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "pg.h"
#include "pg_rows.h"
#include "strset.h"

#define RECORD_DECISIONS                                                                                        \
    "INSERT INTO subsidy.decisions (decision_id, source, event_id, event_type, rule, outcome, "                 \
    "district, occurred_on, year, subject, corrects_decision_id, facts) "                                       \
    "SELECT i, s, e, t, r, o, d, on_::date, y::int, sub, c, f::jsonb "                                          \
    "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], "          \
    "$8::text[], $9::text[], $10::text[], $11::text[], $12::text[]) "                                           \
    "AS u(i, s, e, t, r, o, d, on_, y, sub, c, f) ON CONFLICT (decision_id) DO NOTHING "                        \
    "RETURNING decision_id"
#define RECORD_COLS 12

/* The decisions settled_ahead() recorded: fresh when its statement wrote them
 * (new), taken once a settled_record() said so. Kept for the next
 * transaction (no allocation per message). */
struct settled {
    int active;
    strset_t fresh, taken;
    pg_rows_t ahead_rows, own_rows;
};

settled_t *settled_new(void) {
    settled_t *s = calloc(1, sizeof *s);
    if (!s) abort(); /* out of memory at start: let the supervisor restart us */
    pg_rows_init(&s->ahead_rows, RECORD_COLS, NULL);
    pg_rows_init(&s->own_rows, RECORD_COLS, NULL);
    return s;
}

void settled_destroy(settled_t **sp) {
    settled_t *s = *sp;
    if (!s) return;
    strset_free(&s->fresh);
    strset_free(&s->taken);
    pg_rows_free(&s->ahead_rows);
    pg_rows_free(&s->own_rows);
    free(s);
    *sp = NULL;
}

/* Forget what was recorded ahead: at the end of the transaction, and when it
 * (fast mode: always whole) is rolled back. */
static void forget(void *self, txn_t *t) {
    (void)t;
    settled_t *s = self;
    s->active = 0;
    strset_clear(&s->fresh);
    strset_clear(&s->taken);
}

static void discard(void *self, txn_t *t, int whole) {
    (void)whole;
    forget(self, t);
}

const txn_part_t settled_part = {.name = "settled", .flush = NULL, .discard = discard, .end = forget};

/* Decision d of an event (ev may be NULL) as a row of RECORD_DECISIONS. */
static int add_decision_row(pg_rows_t *rows, const Jiuye__Event *ev, const Jiuye__Decision *d) {
    json_t *facts = json_object();
    for (size_t f = 0; f < d->n_facts; f++)
        json_object_set_new(facts, d->facts[f]->name, json_string(d->facts[f]->value));
    /* The event fields a target needs and no decision fact carries. */
    if (ev && ev->payload_case == JIUYE__EVENT__PAYLOAD_GRADUATE_REGISTERED)
        json_object_set_new(facts, "event.wants_job", json_string(ev->graduate_registered->wants_job ? "true" : "false"));
    char *facts_text = json_dumps(facts, JSON_COMPACT);
    json_decref(facts);
    if (!facts_text) return -1;
    jdate_t on;
    char year[16];
    int dated = date_parse(d->occurred_on, &on) == 0;
    if (dated) snprintf(year, sizeof year, "%d", date_year(on));
    const char *v[] = {d->decision_id, d->source,     d->event_id,
                       d->event_type,  d->rule,       d->outcome,
                       d->district,    dated ? d->occurred_on : NULL,
                       dated ? year : NULL,
                       d->subject,     *d->corrects_decision_id ? d->corrects_decision_id : NULL,
                       facts_text};
    pg_rows_add(rows, v, NULL);
    free(facts_text);
    return 0;
}

/* Recorded ahead: every decision that corrects none (settled.h). */
static int recorded_ahead(const settled_t *s, const Jiuye__Decision *d) {
    return s && s->active && !*d->corrects_decision_id;
}

int settled_ahead(txn_t *t, const Jiuye__Decided *const *msgs, size_t n) {
    settled_t *s = txn_part(t, &settled_part);
    if (!s) return 0;
    forget(s, t);
    size_t count = 0;
    for (size_t m = 0; m < n; m++)
        for (size_t i = 0; i < msgs[m]->n_decisions; i++) {
            const Jiuye__Decision *d = msgs[m]->decisions[i];
            if (*d->corrects_decision_id) continue;
            if (add_decision_row(&s->ahead_rows, msgs[m]->event, d) != 0) {
                pg_rows_clear(&s->ahead_rows);
                return -1;
            }
            count++;
        }
    s->active = 1;
    if (count == 0) return 0;
    PGresult *r = pg_rows_exec(txn_pg(t), &s->ahead_rows, RECORD_DECISIONS);
    if (!r) {
        forget(s, t);
        return -1;
    }
    for (int row = 0; row < PQntuples(r); row++) strset_add(&s->fresh, PQgetvalue(r, row, 0));
    PQclear(r);
    return 0;
}

int settled_record(txn_t *t, const Jiuye__Decided *decided, int *is_new) {
    /* All the decisions of the message not recorded ahead in one statement
     * (most messages carry one or two). */
    settled_t *s = txn_part(t, &settled_part);
    pg_rows_t alone = PG_ROWS_TEXT(RECORD_COLS), *rows = s ? &s->own_rows : &alone;
    const Jiuye__Event *ev = decided->event;
    size_t own = 0;
    int rc = 0;
    for (size_t i = 0; i < decided->n_decisions; i++) {
        const Jiuye__Decision *d = decided->decisions[i];
        is_new[i] = 0;
        if (recorded_ahead(s, d)) { /* new: the statement wrote it, and no earlier copy said so */
            is_new[i] = strset_has(&s->fresh, d->decision_id) && strset_add(&s->taken, d->decision_id);
            continue;
        }
        if (add_decision_row(rows, ev, d) != 0) {
            pg_rows_clear(rows);
            rc = -1;
            goto out;
        }
        own++;
    }
    if (own == 0) goto out;
    PGresult *r = pg_rows_exec(txn_pg(t), rows, RECORD_DECISIONS);
    if (!r) {
        rc = -1;
        goto out;
    }
    /* New: the ones written now. A decision twice in one message is new once
     * (its first copy), as when each had a statement of its own. */
    for (int row = 0; row < PQntuples(r); row++) {
        const char *id = PQgetvalue(r, row, 0);
        for (size_t i = 0; i < decided->n_decisions; i++)
            if (!is_new[i] && !recorded_ahead(s, decided->decisions[i]) &&
                strcmp(decided->decisions[i]->decision_id, id) == 0) {
                is_new[i] = 1;
                break;
            }
    }
    PQclear(r);
out:
    pg_rows_free(&alone);
    return rc;
}
