/* test_allocation.c: services/subsidy/allocation.c, the date-order places of a
 * ledger limit (docs/policy.md §3 "Order of arrival", "Agency tiers (R08)"): the
 * result depends on the dates, never on the order the claims are given in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "allocation.h"

static alloc_claim_t claim(const char *on, const char *event_id, int64_t want, int64_t cap) {
    alloc_claim_t c;
    memset(&c, 0, sizeof c);
    size_t len = strlen(on);
    assert_true(len < sizeof c.on);
    memcpy(c.on, on, len + 1);
    c.event_id = event_id;
    c.source = "src";
    c.live = 1;
    c.want_fen = want;
    c.cap = cap;
    return c;
}

static const alloc_claim_t *find(const alloc_claim_t *c, size_t n, const char *event_id) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(c[i].event_id, event_id) == 0 && c[i].live) return &c[i];
    fail_msg("no claim %s", event_id);
    return NULL;
}

/* Four 2024 trainings of one person (docs/policy.md §6 example 1 and its 4th): the
 * three earliest-dated are granted, numbered 1-3, the latest refused. */
static void four_trainings(alloc_claim_t *c) {
    c[0] = claim("2024-08-01", "t4", 150000, 3);
    c[1] = claim("2024-05-10", "t1", 150000, 3);
    c[2] = claim("2024-07-01", "t3", 120000, 3);
    c[3] = claim("2024-06-01", "t2", 100000, 3);
}

static void test_count_in_date_order(void **state) {
    (void)state;
    alloc_claim_t c[4];
    four_trainings(c);
    alloc_sort(c, 4);
    assert_string_equal(c[0].event_id, "t1");
    assert_string_equal(c[3].event_id, "t4");
    alloc_places(ALLOC_COUNT, NULL, c, 4);
    const char *ids[] = {"t1", "t2", "t3"};
    for (int i = 0; i < 3; i++) {
        const alloc_claim_t *x = find(c, 4, ids[i]);
        assert_true(x->granted);
        assert_int_equal(x->number, i + 1);
        assert_int_equal(x->slot, i + 1);
    }
    assert_int_equal(find(c, 4, "t2")->amount_fen, 100000);
    const alloc_claim_t *t4 = find(c, 4, "t4");
    assert_false(t4->granted);
    assert_int_equal(t4->amount_fen, 0);
    assert_int_equal(t4->ahead, 3);
    assert_int_equal(t4->slot, 0);
}

/* Every one of the 24 orders of arrival gives the same places. */
static void test_count_every_order(void **state) {
    (void)state;
    alloc_claim_t base[4];
    four_trainings(base);
    int perm[4] = {0, 1, 2, 3}, seen = 0;
    for (int a = 0; a < 4; a++)
        for (int b = 0; b < 4; b++)
            for (int x = 0; x < 4; x++)
                for (int y = 0; y < 4; y++) {
                    if (a == b || a == x || a == y || b == x || b == y || x == y) continue;
                    perm[0] = a, perm[1] = b, perm[2] = x, perm[3] = y;
                    alloc_claim_t c[4];
                    for (int i = 0; i < 4; i++) c[i] = base[perm[i]];
                    alloc_sort(c, 4);
                    alloc_places(ALLOC_COUNT, NULL, c, 4);
                    assert_true(find(c, 4, "t1")->granted && find(c, 4, "t2")->granted && find(c, 4, "t3")->granted);
                    assert_false(find(c, 4, "t4")->granted);
                    seen++;
                }
    assert_int_equal(seen, 24);
}

/* The late t1 arrives after t2, t3, t4 took places 1-3: t4 loses its place
 * (and token 3), t1 takes the token t4 held; t2 and t3 keep theirs. */
static void test_late_claim_takes_a_token_freed(void **state) {
    (void)state;
    alloc_claim_t c[4];
    four_trainings(c);
    c[0].held_slot = 3; /* t4 */
    c[2].held_slot = 2;                             /* t3 */
    c[3].held_slot = 1;                             /* t2 */
    alloc_sort(c, 4);
    alloc_places(ALLOC_COUNT, NULL, c, 4);
    assert_int_equal(find(c, 4, "t2")->slot, 1);
    assert_int_equal(find(c, 4, "t3")->slot, 2);
    assert_int_equal(find(c, 4, "t1")->slot, 3);
    assert_false(find(c, 4, "t4")->granted);
    assert_int_equal(find(c, 4, "t1")->number, 1);
}

/* A withdrawn claim (its decision corrected) frees its place for the next. */
static void test_withdrawn_frees_place(void **state) {
    (void)state;
    alloc_claim_t c[4];
    four_trainings(c);
    c[3].live = 0; /* t2 */
    alloc_sort(c, 4);
    alloc_places(ALLOC_COUNT, NULL, c, 4);
    assert_true(find(c, 4, "t4")->granted);
    assert_int_equal(find(c, 4, "t4")->number, 3);
    for (size_t i = 0; i < 4; i++)
        if (!c[i].live) assert_false(c[i].granted);
}

/* Same day: event_id decides; places held before claims (awards settled
 * before migration 014) come first. */
static void test_same_day_and_before(void **state) {
    (void)state;
    alloc_claim_t c[3] = {claim("2024-05-10", "b", 1000, 3), claim("2024-05-10", "a", 1000, 3),
                          claim("2024-05-10", "c", 1000, 3)};
    int held[] = {2};
    alloc_before_t before = {.places = 1, .fen = 1000, .numbers = 1, .slots = held, .n_slots = 1};
    alloc_sort(c, 3);
    assert_string_equal(c[0].event_id, "a");
    alloc_places(ALLOC_COUNT, &before, c, 3);
    assert_true(find(c, 3, "a")->granted);
    assert_int_equal(find(c, 3, "a")->slot, 1);
    assert_int_equal(find(c, 3, "b")->slot, 3);
    assert_int_equal(find(c, 3, "b")->number, 3);
    assert_false(find(c, 3, "c")->granted);
}

/* Once per person: the earliest-dated claim, whatever arrived first. */
static void test_once(void **state) {
    (void)state;
    alloc_claim_t c[2] = {claim("2024-09-01", "late-dated", 500000, 0), claim("2024-03-01", "early", 500000, 0)};
    c[0].held_slot = 1; /* arrived first, held the place */
    alloc_sort(c, 2);
    alloc_places(ALLOC_ONCE, NULL, c, 2);
    assert_true(find(c, 2, "early")->granted);
    assert_int_equal(find(c, 2, "early")->slot, 1);
    assert_false(find(c, 2, "late-dated")->granted);
    assert_int_equal(find(c, 2, "late-dated")->ahead, 1);
    c[0].live = 0; /* the early one withdrawn: the other gets the place */
    alloc_places(ALLOC_ONCE, NULL, c, 2);
    assert_true(c[1].granted);
}

/* The tuition cap (R03, 3 000 yuan per academic year) shared in date order:
 * half of 4 000, then what is left of the cap, then nothing. */
static void test_sum_cap(void **state) {
    (void)state;
    alloc_claim_t c[3] = {claim("2024-10-01", "third", 200000, 300000), claim("2024-09-01", "first", 200000, 300000),
                          claim("2024-09-15", "second", 200000, 300000)};
    alloc_sort(c, 3);
    alloc_places(ALLOC_SUM, NULL, c, 3);
    assert_int_equal(find(c, 3, "first")->amount_fen, 200000);
    assert_int_equal(find(c, 3, "second")->amount_fen, 100000);
    assert_int_equal(find(c, 3, "second")->ahead_fen, 200000);
    assert_false(find(c, 3, "third")->granted);
    assert_int_equal(find(c, 3, "third")->ahead_fen, 300000);
    assert_int_equal(find(c, 3, "first")->slot, 0); /* no tokens for money */
}

/* Agency tiers: 22 placements, first tier of 20; numbered by anniversary,
 * then start date and cert_no; a withdrawn placement keeps its number, and a
 * corrected decision and its replacement (one event) are one placement. */
static void test_tiers(void **state) {
    (void)state;
    enum { N = 23 };
    alloc_claim_t c[N];
    char ids[N][16];
    for (int i = 0; i < 22; i++) {
        snprintf(ids[i], sizeof ids[i], "p%02d", 21 - i); /* given latest first */
        char on[32];
        snprintf(on, sizeof on, "2025-%02d-%02d", 1 + (21 - i) / 2 % 12, 1 + (21 - i) % 2);
        c[i] = claim(on, ids[i], 40000, 20);
        c[i].tier2_fen = 60000;
    }
    /* p00's decision was replaced by a replay: the old one withdrawn, same event */
    c[22] = c[21];
    c[22].live = 0;
    /* two placements with the same anniversary: the earlier start first */
    snprintf(c[0].on, sizeof c[0].on, "%s", c[1].on); /* p21 on p20's day */
    snprintf(c[0].tie, sizeof c[0].tie, "2024-01-01 X");
    snprintf(c[1].tie, sizeof c[1].tie, "2024-02-01 A");
    alloc_sort(c, N);
    alloc_places(ALLOC_TIERS, NULL, c, N);
    assert_int_equal(find(c, N, "p00")->number, 1);
    assert_int_equal(find(c, N, "p19")->number, 20);
    assert_int_equal(find(c, N, "p19")->amount_fen, 40000);
    assert_int_equal(find(c, N, "p21")->number, 21); /* earlier start */
    assert_int_equal(find(c, N, "p21")->amount_fen, 60000);
    assert_int_equal(find(c, N, "p20")->number, 22);
    /* p05 ended before its anniversary, arriving late: withdrawn, keeps number 6 */
    for (int i = 0; i < N; i++)
        if (strcmp(c[i].event_id, "p05") == 0) c[i].live = 0;
    alloc_places(ALLOC_TIERS, NULL, c, N);
    assert_int_equal(find(c, N, "p06")->number, 7);
    assert_int_equal(find(c, N, "p21")->amount_fen, 60000);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_count_in_date_order), cmocka_unit_test(test_count_every_order),
        cmocka_unit_test(test_late_claim_takes_a_token_freed), cmocka_unit_test(test_withdrawn_frees_place),
        cmocka_unit_test(test_same_day_and_before), cmocka_unit_test(test_once),
        cmocka_unit_test(test_sum_cap), cmocka_unit_test(test_tiers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
