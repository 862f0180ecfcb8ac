/* persons.c: registered persons (see persons.h). */
#include "persons.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg.h"
#include "strmap.h"

/* ------------------------------------------------------------ the cache
 *
 * A map by cert_no (strmap.h), cleared at every transaction's end; an entry
 * that a write made uncertain is UNKNOWN (asked again), never removed. */

typedef enum { SLOT_UNKNOWN, SLOT_ABSENT, SLOT_PRESENT } slot_state_t;

/* Whether events of the person wait in rules.pending. */
typedef enum { PENDING_UNKNOWN, PENDING_NONE, PENDING_SOME } pending_state_t;

typedef struct {
    slot_state_t state;
    pending_state_t pending;
    person_t person; /* person.cert_no is the key (also for ABSENT and UNKNOWN) */
} slot_t;

struct persons {
    int active;
    strmap_t slots; /* cert_no -> slot_t */
    unsigned long hits, asked; /* persons_find answered from the cache / by PostgreSQL */
};

persons_t *persons_new(void) {
    persons_t *c = calloc(1, sizeof *c);
    if (!c) abort(); /* out of memory at start: let the supervisor restart us */
    c->slots = (strmap_t)STRMAP_INIT(slot_t);
    return c;
}

void persons_destroy(persons_t **cp) {
    persons_t *c = *cp;
    if (!c) return;
    strmap_free(&c->slots);
    free(c);
    *cp = NULL;
}

void persons_lookups(const persons_t *c, unsigned long *from_cache, unsigned long *from_database) {
    *from_cache = c->hits;
    *from_database = c->asked;
}

/* The entry of cert_no, made (UNKNOWN) when missing; NULL when the
 * transaction has no cache. */
static slot_t *cache_slot(persons_t *c, const char *cert_no) {
    if (!c->active || strlen(cert_no) >= sizeof ((slot_t *)0)->person.cert_no) return NULL;
    int added;
    slot_t *s = strmap_put(&c->slots, cert_no, &added);
    if (added) {
        s->state = SLOT_UNKNOWN;
        s->pending = PENDING_UNKNOWN;
        snprintf(s->person.cert_no, sizeof s->person.cert_no, "%s", cert_no);
    }
    return s;
}

/* Remember what is now known of cert_no (p NULL: not registered; unknown: ask again). */
static void cache_put(persons_t *c, const char *cert_no, const person_t *p, int unknown) {
    if (!c) return;
    slot_t *s = cache_slot(c, cert_no);
    if (!s) return;
    if (p) s->person = *p;
    s->state = unknown ? SLOT_UNKNOWN : p ? SLOT_PRESENT : SLOT_ABSENT;
}

void persons_pending_known(txn_t *t, const char *cert_no, int waiting) {
    persons_t *c = txn_part(t, &persons_part);
    slot_t *s = c ? cache_slot(c, cert_no) : NULL;
    if (s) s->pending = waiting < 0 ? PENDING_UNKNOWN : waiting ? PENDING_SOME : PENDING_NONE;
}

/* At the end of the transaction, and when any of it is rolled back (a write
 * the cache knows of may be undone). */
static void cache_end(void *self, txn_t *t) {
    (void)t;
    persons_t *c = self;
    strmap_clear(&c->slots);
    c->active = 0;
}

static void cache_discard(void *self, txn_t *t, int whole) {
    (void)whole;
    cache_end(self, t);
}

const txn_part_t persons_part = {.name = "persons", .flush = NULL, .discard = cache_discard, .end = cache_end};

/* The cache of t when it holds one (persons_cache_begin() done). */
static persons_t *cache_of(txn_t *t) {
    persons_t *c = txn_part(t, &persons_part);
    return c && c->active ? c : NULL;
}

/* ------------------------------------------------------------ rows */

#define PERSON_COLUMNS "cert_no, district, registered_on::text, employment_status, wants_job, low_income, hard_to_employ"

static void person_from_row(const PGresult *r, int row, int col, person_t *out) {
    snprintf(out->cert_no, sizeof out->cert_no, "%s", PQgetvalue(r, row, col));
    snprintf(out->district, sizeof out->district, "%s", PQgetvalue(r, row, col + 1));
    if (date_parse(PQgetvalue(r, row, col + 2), &out->registered_on) != 0) out->registered_on = 0;
    snprintf(out->employment_status, sizeof out->employment_status, "%s", PQgetvalue(r, row, col + 3));
    out->wants_job = PQgetvalue(r, row, col + 4)[0] == 't';
    out->low_income = PQgetvalue(r, row, col + 5)[0] == 't';
    out->hard_to_employ = PQgetvalue(r, row, col + 6)[0] == 't';
}

int persons_cache_begin(txn_t *t, const char *const *cert_nos, size_t n) {
    persons_t *c = txn_part(t, &persons_part);
    if (!c || n == 0) return 0;
    PGconn *pg = txn_pg(t);
    char *array = pg_text_array(cert_nos, (int)n);
    if (!array) return -1;
    const char *p[] = {array};
    /* One row per cert_no asked: its registration (NULLs when none) and
     * whether events of it wait (rules.pending). Each lookup is a LATERAL
     * subquery with LIMIT 1 (cert_no is the key: it changes no answer) so that
     * the plan is an index probe per cert_no whatever the statistics say. As a
     * plain join, the generic plan that the prepared statement keeps, made
     * while the tables were new and nearly empty, was a hash join over a
     * sequential scan of rules.persons, and it went on reading the whole
     * registry for every transaction as the table grew
     * (docs/performance.md). LIMIT 1 alone was not enough: with statistics that say the
     * table is one page (autovacuum's first ANALYZE), a sequential scan of
     * that page was cheaper than a probe, and stayed so as the registry
     * grew; pg_index_probes() leaves the planner nothing else. */
    if (pg_index_probes(pg, 0) != 0) {
        free(array);
        return -1;
    }
    PGresult *r = pg_exec(pg,
                          "SELECT c.cert_no, p.district, p.registered_on::text, p.employment_status, p.wants_job, "
                          "p.low_income, p.hard_to_employ, p.cert_no IS NOT NULL, w.waiting IS NOT NULL "
                          "FROM (SELECT DISTINCT unnest($1::text[]) AS cert_no) c "
                          "LEFT JOIN LATERAL (SELECT * FROM rules.persons p WHERE p.cert_no = c.cert_no LIMIT 1) p ON true "
                          "LEFT JOIN LATERAL (SELECT true AS waiting FROM rules.pending w WHERE w.cert_no = c.cert_no "
                          "LIMIT 1) w ON true",
                          1, p);
    free(array);
    if (!r || pg_index_probes(pg, 1) != 0) {
        PQclear(r);
        return -1;
    }
    c->active = 1;
    for (int i = 0; i < PQntuples(r); i++) {
        person_t person;
        person_from_row(r, i, 0, &person);
        int registered = PQgetvalue(r, i, 7)[0] == 't';
        cache_put(c, person.cert_no, registered ? &person : NULL, 0);
        persons_pending_known(t, person.cert_no, PQgetvalue(r, i, 8)[0] == 't');
    }
    PQclear(r);
    return 0;
}

/* The registration's row as the upsert below leaves it, when the cache knows
 * the row before it (or that there was none) and whether events wait: then
 * the upsert needs no answer. Returns 1 with *after filled, 0 when unknown. */
static int register_known(persons_t *c, const Jiuye__Event *ev, person_t *after, int *waiting) {
    const Jiuye__PersonRegistered *r = ev->person_registered;
    slot_t *s = c ? strmap_get(&c->slots, r->cert_no) : NULL;
    jdate_t on;
    if (!s || (s->state != SLOT_PRESENT && s->state != SLOT_ABSENT) || s->pending == PENDING_UNKNOWN ||
        date_parse(ev->occurred_on, &on) != 0)
        return 0;
    person_t p = {0};
    snprintf(p.cert_no, sizeof p.cert_no, "%s", r->cert_no);
    snprintf(p.district, sizeof p.district, "%s", ev->district);
    /* the first registration date is kept (least(), below) */
    p.registered_on = s->state == SLOT_PRESENT && s->person.registered_on < on ? s->person.registered_on : on;
    snprintf(p.employment_status, sizeof p.employment_status, "%s", r->employment_status);
    p.wants_job = r->wants_job, p.low_income = r->low_income, p.hard_to_employ = r->hard_to_employ;
    *after = p;
    *waiting = s->pending == PENDING_SOME;
    return 1;
}

int persons_register(txn_t *t, const Jiuye__Event *ev) {
    PGconn *pg = txn_pg(t);
    persons_t *c = cache_of(t);
    const Jiuye__PersonRegistered *r = ev->person_registered;
    const char *p[] = {r->cert_no, ev->district, ev->occurred_on, r->name, r->employment_status,
                       r->wants_job ? "t" : "f", r->low_income ? "t" : "f", r->hard_to_employ ? "t" : "f",
                       ev->source, ev->event_id};
    /* A later registration (a move, a new status) replaces the earlier facts;
     * the first registration date is kept for "longest waiting" (R17). The
     * same statement tells whether events wait for this person (pending.h):
     * the usual registration, with none, needs no other statement; and gives
     * the row as it now is, for the rules of the same transaction. */
#define UPSERT_PERSON                                                                                            \
    "INSERT INTO rules.persons (cert_no, district, registered_on, name, employment_status, wants_job, "            \
    "low_income, hard_to_employ, source, event_id) VALUES ($1, $2, $3::date, $4, $5, $6::boolean, "               \
    "$7::boolean, $8::boolean, $9, $10) ON CONFLICT (cert_no) DO UPDATE SET district = EXCLUDED.district, "       \
    "name = EXCLUDED.name, employment_status = EXCLUDED.employment_status, wants_job = EXCLUDED.wants_job, "       \
    "low_income = EXCLUDED.low_income, hard_to_employ = EXCLUDED.hard_to_employ, "                                \
    "registered_on = least(rules.persons.registered_on, EXCLUDED.registered_on)"
    person_t after;
    int waiting;
    if (register_known(c, ev, &after, &waiting)) { /* deferred in the consumer's fast mode: no round trip */
        if (pg_cmd(pg, UPSERT_PERSON, 10, p) != 0) return -1;
        cache_put(c, after.cert_no, &after, 0);
        return waiting;
    }
    PGresult *res =
        pg_exec(pg, UPSERT_PERSON " RETURNING EXISTS (SELECT 1 FROM rules.pending WHERE cert_no = $1), " PERSON_COLUMNS,
                10, p);
    if (!res) return -1;
    waiting = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
    if (PQntuples(res) == 1) {
        person_t person;
        person_from_row(res, 0, 1, &person);
        cache_put(c, person.cert_no, &person, 0);
    } else {
        cache_put(c, r->cert_no, NULL, 1);
    }
    PQclear(res);
    return waiting;
}

/* A person who starts a job no longer waits for one (R17 drops them); one whose
 * job ends and holds no other waits again. */
int persons_employment(txn_t *t, const char *cert_no, int employed) {
    const char *p[] = {cert_no};
    persons_t *c = cache_of(t);
    if (pg_cmd(txn_pg(t),
               employed ? "UPDATE rules.persons SET employment_status = 'employed' WHERE cert_no = $1"
                        : "UPDATE rules.persons SET employment_status = 'unemployed' WHERE cert_no = $1 AND NOT "
                          "EXISTS (SELECT 1 FROM rules.employment WHERE cert_no = $1 AND ended_on IS NULL)",
               1, p) != 0)
        return -1;
    slot_t *s = c ? strmap_get(&c->slots, cert_no) : NULL;
    if (s && employed && s->state == SLOT_PRESENT)
        snprintf(s->person.employment_status, sizeof s->person.employment_status, "employed");
    else if (s)
        s->state = SLOT_UNKNOWN; /* whether another job is open: PostgreSQL knows */
    return 0;
}

int persons_find(txn_t *t, const char *cert_no, person_t *out) {
    persons_t *c = cache_of(t);
    const slot_t *s = c ? strmap_get(&c->slots, cert_no) : NULL;
    if (s) {
        if (s->state == SLOT_PRESENT) {
            *out = s->person;
            c->hits++;
            return 1;
        }
        if (s->state == SLOT_ABSENT) {
            c->hits++;
            return 0;
        }
    }
    persons_t *counted = txn_part(t, &persons_part);
    if (counted) counted->asked++;
    const char *p[] = {cert_no};
    PGresult *r = pg_exec(txn_pg(t), "SELECT " PERSON_COLUMNS " FROM rules.persons WHERE cert_no = $1", 1, p);
    if (!r) return -1;
    int found = PQntuples(r) == 1;
    if (found) person_from_row(r, 0, 0, out);
    cache_put(c, cert_no, found ? out : NULL, 0);
    PQclear(r);
    return found;
}
