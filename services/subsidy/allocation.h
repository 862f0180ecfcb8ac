/* allocation.h: the places of a ledger limit, given in date order (docs/policy.md
 * §3 "Order of arrival", "Agency tiers (R08)").
 *
 * A limit (the 3 training awards of a person's calendar year, a
 * once-per-person program, the 3 000-yuan tuition cap of an academic year, an
 * agency's tiers of an anniversary year) is shared by the claims its eligible
 * decisions make. Upstream systems publish independently, so claims arrive in
 * any order; the places they get must be those that date order gives: by
 * occurred_on (R08: the anniversary, then the start date and cert_no), then
 * event_id, then source. This module is the pure part: sort the claims of one
 * limit, and say for each what date order gives it (granted or refused, the
 * amount, its number, the place token it holds). The ledger side (claims.h)
 * loads the claims, calls it, and turns each difference from what the ledger
 * holds into a reversal and a new award. No database, no allocation.
 *
 *   kind         who gets a place                      amount
 *   ALLOC_COUNT  the first claims while fewer than     want_fen
 *                cap are granted ahead (R01)
 *   ALLOC_ONCE   the first claim only (R05, R07; R09   want_fen
 *                per report year)
 *   ALLOC_SUM    every claim while money is left       min(want_fen, cap − granted ahead)
 *                under cap (R03)
 *   ALLOC_TIERS  every claim, numbered in order; a     want_fen up to number cap, then tier2_fen
 *                withdrawn one keeps its number (R08)
 *
 * A withdrawn claim (its decision corrected: an ended job, a replay that found
 * it ineligible) holds nothing and frees its place for the next in date order,
 * except in ALLOC_TIERS, where docs/policy.md §3 says a later reversal does not
 * renumber the others. Place tokens (slot) are the ledger's guard against a
 * place held twice (migration 014): a claim granted again keeps the token it
 * holds; others get the lowest free one. ALLOC_SUM has no tokens. */
#ifndef JIUYE_SUBSIDY_ALLOCATION_H
#define JIUYE_SUBSIDY_ALLOCATION_H

#include <stddef.h>
#include <stdint.h>

typedef enum alloc_kind { ALLOC_COUNT, ALLOC_ONCE, ALLOC_SUM, ALLOC_TIERS } alloc_kind_t;

typedef struct alloc_claim {
    /* in: the date order */
    char on[16];          /* YYYY-MM-DD: occurred_on, or the R08 anniversary */
    char tie[96];         /* R08: started_on and cert_no; "" otherwise */
    const char *event_id; /* then event_id and source (not owned) */
    const char *source;
    /* in: what the claim asks (each decision carries its own plan's values) */
    int live;          /* 0: withdrawn, its decision was corrected */
    int64_t want_fen;  /* the amount with a place (SUM: before the cap; TIERS: first tier) */
    int64_t tier2_fen; /* TIERS: the amount from number cap + 1 */
    int64_t cap;       /* COUNT: places; SUM: fen; TIERS: numbers in the first tier; ONCE: unused */
    int held_slot;     /* the place token its award holds now, 0 none */
    /* out (alloc_places) */
    int granted;        /* 1: a place; 0: refused (or withdrawn) */
    int64_t amount_fen; /* 0 when not granted */
    int number;         /* COUNT/ONCE: places granted ahead + 1; TIERS: its number in the year */
    long ahead;         /* places granted ahead of it (COUNT, ONCE), for the refusal's reason */
    int64_t ahead_fen;  /* SUM: money granted ahead of it, for the breakdown */
    int slot;           /* the place token it holds (0 none) */
    void *data;         /* the caller's */
} alloc_claim_t;

/* What the limit holds outside the claims: awards settled before the ledger
 * kept claims (migration 014), counted ahead of every claim. */
typedef struct alloc_before {
    long places;       /* granted places not reversed */
    int64_t fen;       /* their net money */
    long numbers;      /* TIERS: numbers taken, reversed ones included */
    const int *slots;  /* their place tokens (n_slots of them) */
    size_t n_slots;
} alloc_before_t;

/* Sort claims into date order: on, tie, event_id, source (byte order). */
void alloc_sort(alloc_claim_t *claims, size_t n);

/* Fill the out fields of claims (sorted by alloc_sort) for a limit of kind,
 * with before (NULL: nothing) ahead of them. */
void alloc_places(alloc_kind_t kind, const alloc_before_t *before, alloc_claim_t *claims, size_t n);

#endif
