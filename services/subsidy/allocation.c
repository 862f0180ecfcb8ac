/* allocation.c: date-order places of a ledger limit (see allocation.h). */
#include "allocation.h"

#include <stdlib.h>
#include <string.h>

static int cmp_claim(const void *pa, const void *pb) {
    const alloc_claim_t *a = pa, *b = pb;
    int c = strcmp(a->on, b->on);
    if (!c) c = strcmp(a->tie, b->tie);
    if (!c) c = strcmp(a->event_id, b->event_id);
    if (!c) c = strcmp(a->source, b->source);
    if (!c) c = b->live - a->live; /* the live one of an event first (a corrected one after it) */
    return c;
}

void alloc_sort(alloc_claim_t *claims, size_t n) {
    if (n > 1) qsort(claims, n, sizeof *claims, cmp_claim);
}

static int same_event(const alloc_claim_t *a, const alloc_claim_t *b) {
    return strcmp(a->event_id, b->event_id) == 0 && strcmp(a->source, b->source) == 0;
}

/* Is token taken by before or by a claim of claims[0..n) already given it? */
static int token_taken(int token, const alloc_before_t *before, const alloc_claim_t *claims, size_t n) {
    for (size_t i = 0; before && i < before->n_slots; i++)
        if (before->slots[i] == token) return 1;
    for (size_t i = 0; i < n; i++)
        if (claims[i].slot == token) return 1;
    return 0;
}

void alloc_places(alloc_kind_t kind, const alloc_before_t *before, alloc_claim_t *claims, size_t n) {
    long places = before ? before->places : 0;
    int64_t fen = before ? before->fen : 0;
    long numbers = before ? before->numbers : 0;
    for (size_t i = 0; i < n; i++) {
        alloc_claim_t *c = &claims[i];
        c->granted = 0, c->amount_fen = 0, c->number = 0, c->slot = 0;
        c->ahead = places, c->ahead_fen = fen;
        if (kind == ALLOC_TIERS) { /* numbered with the withdrawn: a reversal does not renumber */
            if (i == 0 || !same_event(c, &claims[i - 1])) numbers++;
            c->number = (int)numbers;
        }
        if (!c->live) continue;
        switch (kind) {
        case ALLOC_COUNT:
            c->granted = places < c->cap;
            c->amount_fen = c->want_fen;
            break;
        case ALLOC_ONCE:
            c->granted = places == 0;
            c->amount_fen = c->want_fen;
            break;
        case ALLOC_SUM: {
            int64_t room = c->cap - fen > 0 ? c->cap - fen : 0;
            c->amount_fen = c->want_fen < room ? c->want_fen : room;
            c->granted = c->amount_fen > 0;
            break;
        }
        case ALLOC_TIERS:
            c->granted = 1;
            c->amount_fen = numbers <= c->cap ? c->want_fen : c->tier2_fen;
            break;
        }
        if (!c->granted) {
            c->amount_fen = 0;
            continue;
        }
        places++;
        fen += c->amount_fen;
        if (kind != ALLOC_TIERS) c->number = (int)places;
    }
    if (kind == ALLOC_SUM) return;
    /* Tokens: a claim granted again keeps the one it holds; the others take the lowest free one. */
    for (size_t i = 0; i < n; i++) {
        alloc_claim_t *c = &claims[i];
        if (c->granted && c->held_slot > 0 && !token_taken(c->held_slot, before, claims, n)) c->slot = c->held_slot;
    }
    for (size_t i = 0; i < n; i++) {
        alloc_claim_t *c = &claims[i];
        if (!c->granted || c->slot) continue;
        int token = 1;
        while (token_taken(token, before, claims, n)) token++;
        c->slot = token;
    }
}
