/* claims.c: claims on limited places, allocated in date order (see claims.h). */
#include "claims.h"

#include <event2/buffer.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "money.h"
#include "pg.h"
#include "award_rows.h"
#include "pg_rows.h"
#include "strset.h"
#include "xalloc.h"

/* Columns of CLAIMS_OF_LIMIT. */
enum {
    C_DECISION, C_ON, C_TIE, C_EVENT, C_SOURCE, C_WANT, C_TIER2, C_CAP, C_LIVE, C_YEAR,
    H_ID, H_STATUS, H_AMOUNT, H_SLOT, H_REVERSED, /* the claim's head award */
    P_ID, P_STATUS, P_AMOUNT, P_SLOT,             /* no head yet: the head of the decision it corrects */
};

/* The claims of one limit, each with its head award and, for a claim that has
 * none yet, the head of the decision it corrects (whose place it inherits). */
#define CLAIMS_OF_LIMIT                                                                                                \
    "SELECT c.decision_id, c.order_on::text, c.order_tie, c.event_id, c.source, c.want_fen, c.tier2_fen, c.cap, "      \
    "NOT EXISTS (SELECT 1 FROM subsidy.decisions x WHERE x.corrects_decision_id = c.decision_id), c.year, "            \
    "h.award_id, h.status, h.amount_fen, h.slot, h.reversed, p.award_id, p.status, p.amount_fen, p.slot "              \
    "FROM subsidy.claims c "                                                                                           \
    "LEFT JOIN LATERAL (SELECT a.award_id, a.status, a.amount_fen, a.slot, "                                          \
    "  EXISTS (SELECT 1 FROM subsidy.awards x WHERE x.reverses_award_id = a.award_id) AS reversed "                   \
    "  FROM subsidy.awards a WHERE a.decision_id = c.decision_id AND a.program = c.program "                           \
    "  AND a.reverses_award_id IS NULL "                                                                               \
    "  AND NOT EXISTS (SELECT 1 FROM subsidy.awards y WHERE y.replaces_award_id = a.award_id) LIMIT 1) h ON true "    \
    "LEFT JOIN LATERAL (SELECT a.award_id, a.status, a.amount_fen, a.slot FROM subsidy.decisions dd "                  \
    "  JOIN subsidy.awards a ON a.decision_id = dd.corrects_decision_id "                                              \
    "  WHERE dd.decision_id = c.decision_id AND a.program = c.program AND a.reverses_award_id IS NULL "                \
    "  AND NOT EXISTS (SELECT 1 FROM subsidy.awards y WHERE y.replaces_award_id = a.award_id) LIMIT 1) p "            \
    "  ON h.award_id IS NULL "                                                                                         \
    "WHERE c.program = $1 AND c.beneficiary = $2 AND c.limit_key = $3"

/* Places of the limit held by awards settled before the ledger kept claims
 * (migration 014): the heads of chains whose decision has no claim and is not
 * corrected by one that has (that claim is the same entitlement). */
#define HELD_BEFORE_CLAIMS                                                                                             \
    "SELECT count(*) FILTER (WHERE NOT reversed), coalesce(sum(amount_fen) FILTER (WHERE NOT reversed), 0), "         \
    "count(*), coalesce(string_agg(slot::text, ',') FILTER (WHERE NOT reversed AND slot IS NOT NULL), '') "           \
    "FROM (SELECT a.amount_fen, a.slot, "                                                                              \
    "  EXISTS (SELECT 1 FROM subsidy.awards x WHERE x.reverses_award_id = a.award_id) AS reversed "                   \
    "  FROM subsidy.awards a WHERE a.program = $1 AND a.beneficiary = $2 AND a.limit_key = $3 "                        \
    "  AND a.reverses_award_id IS NULL AND a.amount_fen > 0 AND a.status IN ('granted', 'waiting_budget') "           \
    "  AND NOT EXISTS (SELECT 1 FROM subsidy.claims c WHERE c.decision_id = a.decision_id AND c.program = a.program) " \
    "  AND NOT EXISTS (SELECT 1 FROM subsidy.awards y WHERE y.replaces_award_id = a.award_id) "                      \
    "  AND NOT EXISTS (SELECT 1 FROM subsidy.decisions dd JOIN subsidy.claims c2 ON c2.decision_id = dd.decision_id " \
    "    AND c2.program = a.program WHERE dd.corrects_decision_id = a.decision_id)) h"

/* Is there any award of a limited program that may hold a place without a
 * claim of its own? Every row HELD_BEFORE_CLAIMS counts is one. */
#define ANY_HELD_BEFORE_CLAIMS                                                                                         \
    "SELECT EXISTS (SELECT 1 FROM subsidy.awards a WHERE a.limit_key IS NOT NULL AND a.reverses_award_id IS NULL "     \
    "  AND a.amount_fen > 0 AND a.status IN ('granted', 'waiting_budget') "                                            \
    "  AND NOT EXISTS (SELECT 1 FROM subsidy.claims c WHERE c.decision_id = a.decision_id AND c.program = a.program))"

/* Whether HELD_BEFORE_CLAIMS can find anything (claims_open); until then it is asked. */
static int held_before_claims = 1;

static int is_true(const PGresult *r, int row, int col) { return !PQgetisnull(r, row, col) && *PQgetvalue(r, row, col) == 't'; }

static int64_t int_at(const PGresult *r, int row, int col) {
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* Does the claim's head hold a place (granted or waiting money not reversed)? */
static int head_holds(const PGresult *r, int row) {
    if (PQgetisnull(r, row, H_ID) || is_true(r, row, H_REVERSED) || int_at(r, row, H_AMOUNT) <= 0) return 0;
    const char *st = PQgetvalue(r, row, H_STATUS);
    return strcmp(st, "granted") == 0 || strcmp(st, "waiting_budget") == 0;
}

static int pred_held(const PGresult *r, int row) {
    if (PQgetisnull(r, row, P_ID) || int_at(r, row, P_AMOUNT) <= 0) return 0;
    const char *st = PQgetvalue(r, row, P_STATUS);
    return strcmp(st, "granted") == 0 || strcmp(st, "waiting_budget") == 0;
}

/* ------------------------------------------------------------ read ahead
 *
 * Whether a claim is the first of its limit was the answer of its own
 * insert (RETURNING): a round trip per claim, the one statement of the
 * consumer's fast mode that waited for its result, a third of subsidy's CPU
 * in send/receive and context switches. In fast
 * mode the consumer's begin hook now reads, with one statement, the limits
 * (program, beneficiary, limit_key) that already hold a claim for the
 * programs and beneficiaries of the transaction's decisions, and which of
 * its decisions a recorded decision corrects; every claim the transaction
 * inserts is added as it goes. A claim is alone when neither set knows it;
 * the insert is then deferred like the others. The sets may only say too
 * much (a decision of the batch that corrects d counts from the start), and
 * too much means reallocate(), which reads the limit: the same answer, more
 * slowly. Claims are only inserted here, by the consumer's one thread. */
struct claims_ahead {
    int active;
    strset_t limits;    /* "program\x1f" "beneficiary\x1f" "limit_key" */
    strset_t corrected; /* decision ids some decision corrects */
    pg_rows_t rows;     /* one per decision: its program, beneficiary and id */
};

claims_ahead_t *claims_ahead_new(void) {
    claims_ahead_t *a = calloc(1, sizeof *a);
    if (!a) abort(); /* out of memory at start: let the supervisor restart us */
    pg_rows_init(&a->rows, 3, NULL);
    return a;
}

void claims_ahead_destroy(claims_ahead_t **ap) {
    claims_ahead_t *a = *ap;
    if (!a) return;
    strset_free(&a->limits);
    strset_free(&a->corrected);
    pg_rows_free(&a->rows);
    free(a);
    *ap = NULL;
}

/* At the end of the transaction, and when any of it is rolled back (a claim
 * the sets know of may be undone). */
static void ahead_forget(void *self, txn_t *t) {
    (void)t;
    claims_ahead_t *a = self;
    a->active = 0;
    strset_clear(&a->limits);
    strset_clear(&a->corrected);
    pg_rows_clear(&a->rows);
}

static void ahead_discard(void *self, txn_t *t, int whole) {
    (void)whole;
    ahead_forget(self, t);
}

const txn_part_t claims_ahead_part = {.name = "claims ahead", .flush = NULL, .discard = ahead_discard, .end = ahead_forget};

/* The read-ahead of t when it holds one (claims_ahead_read() done). */
static claims_ahead_t *ahead_of(txn_t *t) {
    claims_ahead_t *a = txn_part(t, &claims_ahead_part);
    return a && a->active ? a : NULL;
}

static void limit_key_of(char *out, size_t size, const char *program, const char *beneficiary, const char *limit_key) {
    snprintf(out, size, "%s\x1f%s\x1f%s", program, beneficiary, limit_key);
}

void claims_ahead_add(txn_t *t, const Jiuye__Decision *d, const char *program) {
    claims_ahead_t *a = txn_part(t, &claims_ahead_part);
    if (!a) return;
    pg_rows_add(&a->rows, (const char *[]){program, d->beneficiary, d->decision_id}, NULL);
    if (*d->corrects_decision_id) strset_add(&a->corrected, d->corrects_decision_id); /* coming in this transaction */
}

int claims_ahead_read(txn_t *t) {
    claims_ahead_t *a = txn_part(t, &claims_ahead_part);
    if (!a) return 0;
    if (pg_rows_count(&a->rows) == 0) {
        a->active = 1;
        return 0;
    }
    /* Consumer transactions use generic plans (link.c), made at their first
     * execution: on a new database that was when both tables were empty, and
     * PostgreSQL then chose sequential scans and a hash join, kept until
     * autovacuum's ANALYZE, meanwhile reading every claim and decision once
     * per transaction. With pg_index_probes() around it, the plan is an index
     * probe per pair and per id whatever the statistics say. */
    PGconn *pg = txn_pg(t);
    if (pg_index_probes(pg, 0) != 0) {
        ahead_forget(a, t);
        return -1;
    }
    PGresult *r = pg_rows_exec(pg, &a->rows,
                               "SELECT 'l', c.program, c.beneficiary, c.limit_key FROM subsidy.claims c "
                               "JOIN (SELECT DISTINCT program, beneficiary FROM unnest($1::text[], $2::text[]) "
                               "AS u(program, beneficiary)) p "
                               "ON c.program = p.program AND c.beneficiary = p.beneficiary "
                               /* IS NOT NULL: the predicate of the partial index decisions_corrected (a
                                * generic plan scanned the whole table without it). */
                               "UNION ALL SELECT 'c', x.corrects_decision_id, '', '' FROM subsidy.decisions x "
                               "WHERE x.corrects_decision_id IS NOT NULL AND x.corrects_decision_id = ANY($3::text[])");
    if (!r || pg_index_probes(pg, 1) != 0) {
        PQclear(r);
        ahead_forget(a, t);
        return -1;
    }
    char key[512];
    for (int row = 0; row < PQntuples(r); row++) {
        if (PQgetvalue(r, row, 0)[0] == 'c') {
            strset_add(&a->corrected, PQgetvalue(r, row, 1));
            continue;
        }
        limit_key_of(key, sizeof key, PQgetvalue(r, row, 1), PQgetvalue(r, row, 2), PQgetvalue(r, row, 3));
        strset_add(&a->limits, key);
    }
    PQclear(r);
    a->active = 1;
    return 0;
}

#define INSERT_CLAIM                                                                                                   \
    "INSERT INTO subsidy.claims (decision_id, program, beneficiary, limit_key, order_on, order_tie, event_id, "       \
    "source, want_fen, tier2_fen, cap, year, decision) VALUES ($1, $2, $3, $4, $5::date, $6, $7, $8, $9::bigint, "    \
    "$10::bigint, $11::bigint, $12::int, $13)"

/* Claims allocated: alone (the first of its limit, no statement read the limit) or with the
 * limit read back (CLAIMS_OF_LIMIT). For /metrics (claims_metrics). */
static unsigned long long allocated_alone, allocated_read;

/* Record d's claim. With alone non-NULL, the insert also says (*alone = 1) whether the claim
 * is the first of its limit and d is corrected by no decision recorded so far: what
 * CLAIMS_OF_LIMIT would then return is this claim alone, with no award (a fresh decision has
 * none), so reallocation can skip reading it. The subqueries of RETURNING see what the
 * transaction wrote before, not the row being inserted. Otherwise the insert may be deferred
 * (sent ahead of the statement that follows, in the consumer's fast mode). */
static int insert_claim(PGconn *pg, const Jiuye__Decision *d, const program_limit_t *lim, const program_claim_t *c,
                        int *alone) {
    size_t len = jiuye__decision__get_packed_size(d);
    uint8_t *buf = xrealloc(NULL, len ? len : 1);
    jiuye__decision__pack(d, buf);
    char want[32], tier2[32], cap[32], year[16];
    snprintf(want, sizeof want, "%lld", (long long)c->place.want_fen);
    snprintf(tier2, sizeof tier2, "%lld", (long long)c->place.tier2_fen);
    snprintf(cap, sizeof cap, "%lld", (long long)c->place.cap);
    snprintf(year, sizeof year, "%d", c->year);
    const char *p[] = {d->decision_id, lim->program, d->beneficiary, c->limit_key, c->place.on, c->place.tie,
                       d->event_id, d->source, want, tier2, cap, year, (const char *)buf};
    int lengths[13] = {0}, formats[13] = {0};
    lengths[12] = (int)len, formats[12] = 1;
    int rc;
    if (alone) {
        PGresult *r = pg_exec_bin(pg,
                                  INSERT_CLAIM " RETURNING NOT EXISTS (SELECT 1 FROM subsidy.claims o WHERE o.program = "
                                  "$2 AND o.beneficiary = $3 AND o.limit_key = $4) AND NOT EXISTS (SELECT 1 FROM "
                                  "subsidy.decisions x WHERE x.corrects_decision_id = $1)",
                                  13, p, lengths, formats, 0);
        rc = r ? 0 : -1;
        *alone = r && is_true(r, 0, 0);
        PQclear(r);
    } else {
        /* Deferred in the consumer's fast mode: sent ahead of the claims query that follows. */
        rc = pg_cmd_bin(pg, INSERT_CLAIM, 13, p, lengths, formats);
    }
    free(buf);
    return rc;
}

/* The first claim of its limit (insert_claim said so): allocated alone, as reallocate()
 * would with CLAIMS_OF_LIMIT returning only it, no award ahead and none of its own. */
static int allocate_alone(txn_t *t, const Jiuye__Decision *d, const program_limit_t *lim,
                          const program_claim_t *c, award_list_t *out, char *err, size_t errlen) {
    program_claim_t pc = {0};
    pc.place = c->place;
    pc.place.event_id = d->event_id;
    pc.place.source = d->source;
    pc.place.live = 1;
    pc.place.held_slot = 0;
    alloc_places(lim->kind, NULL, &pc.place, 1);
    Jiuye__Award *a = NULL;
    if (lim->claim(d, &pc, &a, err, errlen) != 0 || !a) return -1;
    if (award_store_into(t, a, c->limit_key, pc.place.granted ? pc.place.slot : 0, out, "the award", err, errlen) != 0)
        return -1;
    allocated_alone++;
    return 0;
}

/* The decision of a recorded claim, unpacked (caller frees), or NULL. */
static Jiuye__Decision *claim_decision(PGconn *pg, const char *decision_id, const char *program) {
    const char *p[] = {decision_id, program};
    PGresult *r = pg_exec_bin(pg, "SELECT decision FROM subsidy.claims WHERE decision_id = $1 AND program = $2", 2, p,
                              NULL, NULL, 1);
    if (!r) return NULL;
    Jiuye__Decision *d = NULL;
    if (PQntuples(r) == 1)
        d = jiuye__decision__unpack(NULL, (size_t)PQgetlength(r, 0, 0), (const uint8_t *)PQgetvalue(r, 0, 0));
    PQclear(r);
    return d;
}

/* Rows of decision_id under program so far (all, and not reversals), for the ids of the next ones. */
static int rows_of(PGconn *pg, const char *decision_id, const char *program, long *rows, long *awards) {
    const char *p[] = {decision_id, program};
    PGresult *r = pg_exec(pg,
                          "SELECT count(*), count(*) FILTER (WHERE reverses_award_id IS NULL) FROM subsidy.awards "
                          "WHERE decision_id = $1 AND program = $2",
                          2, p);
    if (!r) return -1;
    *rows = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    *awards = strtol(PQgetvalue(r, 0, 1), NULL, 10);
    PQclear(r);
    return 0;
}

static void set_award_id(Jiuye__Award *a, const char *id) {
    free(a->award_id);
    a->award_id = xstrdup(id);
}

static void append_reason(Jiuye__Award *a, const char *fmt, const char *arg) {
    char tail[600], reason[1200];
    snprintf(tail, sizeof tail, fmt, arg);
    snprintf(reason, sizeof reason, "%s%s", a->reason, tail);
    free(a->reason);
    a->reason = xstrdup(reason);
}

static int load_before(PGconn *pg, const char *const *key, alloc_before_t *before, int **slots) {
    PGresult *r = pg_exec(pg, HELD_BEFORE_CLAIMS, 3, key);
    if (!r) return -1;
    before->places = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    before->fen = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
    before->numbers = strtol(PQgetvalue(r, 0, 2), NULL, 10);
    *slots = NULL;
    before->n_slots = 0;
    for (const char *s = PQgetvalue(r, 0, 3); *s;) {
        char *end;
        long v = strtol(s, &end, 10);
        *slots = xrealloc(*slots, (before->n_slots + 1) * sizeof **slots);
        (*slots)[before->n_slots++] = (int)v;
        s = *end ? end + 1 : end;
    }
    before->slots = *slots;
    PQclear(r);
    return 0;
}

/* One claim whose ledger rows change, with its decision. */
typedef struct move {
    int row;             /* in the claims result */
    alloc_claim_t *place;
    Jiuye__Decision *d;  /* owned unless it is the fresh decision */
    int owned;
    long rows, awards;   /* its rows so far */
} move_t;

static void add_moved(award_list_t *out, Jiuye__Decision *d) {
    out->moved = xrealloc(out->moved, (out->n_moved + 1) * sizeof *out->moved);
    out->moved[out->n_moved++] = d;
}

/* Allocate the limit (lim->program, beneficiary, limit_key) again in date
 * order and append what changes (claims.h). fresh is the decision being
 * settled (its claim has no award yet). */
static int reallocate(txn_t *t, const program_limit_t *lim, const char *beneficiary, const char *limit_key,
                      const Jiuye__Decision *fresh, award_list_t *out, char *err, size_t errlen) {
    const char *key[] = {lim->program, beneficiary, limit_key};
    alloc_before_t before = {0};
    int *before_slots = NULL;
    PGconn *pg = txn_pg(t);
    /* Every read below sees the ledger (the claims' heads, the places held
     * before claims, a claim's rows): the awards kept go in first. Nothing
     * is stored between those reads and the reversals. */
    PGresult *r = award_rows_before_read(t) != 0 ? NULL : pg_exec(pg, CLAIMS_OF_LIMIT, 3, key);
    if (!r) {
        snprintf(err, errlen, "reading the claims of a limit failed");
        return -1;
    }
    int n = PQntuples(r), rc = 0;
    /* No claims: nothing to place. No award before claims: HELD_BEFORE_CLAIMS would count nothing. */
    if (n > 0 && held_before_claims && load_before(pg, key, &before, &before_slots) != 0) {
        PQclear(r);
        snprintf(err, errlen, "reading the places held before claims failed");
        return -1;
    }
    alloc_claim_t *claims = xrealloc(NULL, (size_t)(n ? n : 1) * sizeof *claims);
    move_t *moves = xrealloc(NULL, (size_t)(n ? n : 1) * sizeof *moves);
    int n_moves = 0;
    for (int i = 0; i < n; i++) {
        alloc_claim_t *c = &claims[i];
        memset(c, 0, sizeof *c);
        snprintf(c->on, sizeof c->on, "%s", PQgetvalue(r, i, C_ON));
        snprintf(c->tie, sizeof c->tie, "%s", PQgetvalue(r, i, C_TIE));
        c->event_id = PQgetvalue(r, i, C_EVENT);
        c->source = PQgetvalue(r, i, C_SOURCE);
        c->live = is_true(r, i, C_LIVE);
        c->want_fen = int_at(r, i, C_WANT);
        c->tier2_fen = int_at(r, i, C_TIER2);
        c->cap = int_at(r, i, C_CAP);
        if (head_holds(r, i))
            c->held_slot = (int)int_at(r, i, H_SLOT);
        else if (PQgetisnull(r, i, H_ID) && pred_held(r, i)) /* a correction keeps the place it corrects */
            c->held_slot = (int)int_at(r, i, P_SLOT);
        c->data = (void *)(intptr_t)i;
    }
    alloc_sort(claims, (size_t)n);
    alloc_places(lim->kind, &before, claims, (size_t)n);

    /* Which claims change: compare each live one with its head. */
    for (int k = 0; k < n; k++) {
        alloc_claim_t *c = &claims[k];
        int i = (int)(intptr_t)c->data;
        if (!c->live) continue; /* withdrawn: its awards were reversed with the correction */
        int has_head = !PQgetisnull(r, i, H_ID), holds = head_holds(r, i);
        if (has_head && holds && c->granted && int_at(r, i, H_AMOUNT) == c->amount_fen) continue;
        if (has_head && !holds && !c->granted) continue;
        move_t *m = &moves[n_moves++];
        m->row = i, m->place = c, m->rows = 0, m->awards = 0;
        const char *decision_id = PQgetvalue(r, i, C_DECISION);
        if (fresh && strcmp(fresh->decision_id, decision_id) == 0) {
            m->d = (Jiuye__Decision *)fresh, m->owned = 0;
        } else {
            m->d = claim_decision(pg, decision_id, lim->program), m->owned = 1;
            if (!m->d || rows_of(pg, decision_id, lim->program, &m->rows, &m->awards) != 0) {
                snprintf(err, errlen, "reading claim %s failed", decision_id);
                n_moves--;
                if (m->d) jiuye__decision__free_unpacked(m->d, NULL);
                rc = -1;
                goto out;
            }
        }
    }
    /* Reversals first: the place tokens they free may be taken by the new awards. */
    for (int k = 0; k < n_moves && rc == 0; k++) {
        move_t *m = &moves[k];
        if (!head_holds(r, m->row)) continue;
        const char *head = PQgetvalue(r, m->row, H_ID);
        int64_t amount = int_at(r, m->row, H_AMOUNT);
        Jiuye__Award *a = award_new(m->d, lim->program, (int)int_at(r, m->row, C_YEAR));
        char id[700], factor[700], yuan[32];
        snprintf(id, sizeof id, "%s/%ld/reversal", a->award_id, ++m->rows); /* "<decision>/<program>/<n>/reversal" */
        set_award_id(a, id);
        free(a->reverses_award_id);
        a->reverses_award_id = xstrdup(head);
        snprintf(factor, sizeof factor, "−%lld（冲回 %s）", (long long)amount, head);
        award_line(a, "冲回原补贴", factor, -amount, "", "");
        /* A waiting award is undone by a waiting reversal, as in reversal.c. */
        award_set(a, PQgetvalue(r, m->row, H_STATUS), -amount, "日期在先的同类事件后到，名额按发生日期重新排定：冲回 %s 元",
                  money_format_yuan(-amount, yuan, sizeof yuan));
        if (award_store_into(t, a, limit_key, 0, out, "a reversal", err, errlen) != 0) {
            rc = -1;
            break;
        }
    }
    for (int k = 0; k < n_moves && rc == 0; k++) {
        move_t *m = &moves[k];
        program_claim_t pc = {0};
        pc.place = *m->place; /* the place date order gave it; the formula refills the inputs */
        Jiuye__Award *a = NULL;
        if (lim->claim(m->d, &pc, &a, err, errlen) != 0 || !a) {
            rc = -1;
            break;
        }
        if (m->awards > 0) { /* the claim's next award: "<decision>/<program>/<n>" */
            char id[700];
            snprintf(id, sizeof id, "%s/%ld", a->award_id, ++m->rows);
            set_award_id(a, id);
        }
        const char *replaces = NULL;
        if (!PQgetisnull(r, m->row, H_ID)) {
            replaces = PQgetvalue(r, m->row, H_ID);
            append_reason(a, "（日期在先的同类事件后到，按发生日期重排名额；接替 %s）", replaces);
        } else if (!PQgetisnull(r, m->row, P_ID)) {
            replaces = PQgetvalue(r, m->row, P_ID);
            append_reason(a, "（更正，接替 %s）", replaces);
        }
        if (replaces) {
            free(a->replaces_award_id);
            a->replaces_award_id = xstrdup(replaces);
        }
        if (award_store_into(t, a, limit_key, m->place->granted ? m->place->slot : 0, out, "the award", err, errlen) !=
            0) {
            rc = -1;
            break;
        }
    }
out:
    for (int k = 0; k < n_moves; k++) {
        if (!moves[k].owned) continue;
        if (rc == 0)
            add_moved(out, moves[k].d); /* notify words the new awards with it */
        else
            jiuye__decision__free_unpacked(moves[k].d, NULL);
    }
    free(moves);
    free(claims);
    free(before_slots);
    PQclear(r);
    return rc;
}

void claims_metrics(struct evbuffer *out) {
    evbuffer_add_printf(out,
                        "# HELP jiuye_claims_allocated_total Claims of limited programs allocated: alone (the "
                        "first of its limit, nothing read back) or after reading the limit's claims; a "
                        "transaction run again (careful mode) counts its claims again.\n"
                        "# TYPE jiuye_claims_allocated_total counter\n"
                        "jiuye_claims_allocated_total{read=\"none\"} %llu\n"
                        "jiuye_claims_allocated_total{read=\"claims\"} %llu\n",
                        allocated_alone, allocated_read);
}

int claims_open(PGconn *pg) {
    PGresult *r = pg_exec(pg, ANY_HELD_BEFORE_CLAIMS, 0, NULL);
    if (!r) return -1;
    held_before_claims = is_true(r, 0, 0);
    PQclear(r);
    if (held_before_claims) log_info("awards settled before claims (migration 014) hold places: counted on every allocation");
    return 0;
}

int claims_settle(txn_t *t, const Jiuye__Decision *d, const program_limit_t *lim, award_list_t *out, char *err,
                  size_t errlen) {
    PGconn *pg = txn_pg(t);
    claims_ahead_t *ahead = ahead_of(t);
    program_claim_t c = {0};
    int eligible = strcmp(d->outcome, "eligible") == 0;
    if (eligible) {
        if (lim->claim(d, &c, NULL, err, errlen) != 0) return -1;
        /* A correction inherits the place of what it corrects, and awards from before claims
         * hold places: both need the limit read back. */
        int alone = 0, may_be_alone = !held_before_claims && !*d->corrects_decision_id;
        char key[512];
        limit_key_of(key, sizeof key, lim->program, d->beneficiary, c.limit_key);
        if (ahead && may_be_alone) /* known without asking: the insert is deferred */
            alone = !strset_has(&ahead->limits, key) && !strset_has(&ahead->corrected, d->decision_id);
        if (insert_claim(pg, d, lim, &c, may_be_alone && !ahead ? &alone : NULL) != 0) {
            snprintf(err, errlen, "recording the claim of %s failed", d->decision_id);
            return -1;
        }
        if (ahead) strset_add(&ahead->limits, key);
        if (alone) return allocate_alone(t, d, lim, &c, out, err, errlen);
        allocated_read++;
        if (reallocate(t, lim, d->beneficiary, c.limit_key, d, out, err, errlen) != 0) return -1;
    }
    if (!*d->corrects_decision_id) return 0;
    /* The corrected decision's limit: its claim withdrawn, the claims behind it move up. */
    const char *p[] = {d->corrects_decision_id, lim->program};
    PGresult *r = award_rows_before_read(t) != 0 ? NULL : pg_exec(pg,
                          "SELECT beneficiary, limit_key FROM subsidy.claims WHERE decision_id = $1 AND program = $2 "
                          "UNION SELECT beneficiary, limit_key FROM subsidy.awards WHERE decision_id = $1 "
                          "AND program = $2 AND limit_key IS NOT NULL AND reverses_award_id IS NULL",
                          2, p);
    if (!r) {
        snprintf(err, errlen, "reading the limit of %s failed", d->corrects_decision_id);
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
        const char *beneficiary = PQgetvalue(r, i, 0), *limit_key = PQgetvalue(r, i, 1);
        if (eligible && strcmp(beneficiary, d->beneficiary) == 0 && strcmp(limit_key, c.limit_key) == 0) continue;
        rc = reallocate(t, lim, beneficiary, limit_key, NULL, out, err, errlen);
    }
    PQclear(r);
    return rc;
}
