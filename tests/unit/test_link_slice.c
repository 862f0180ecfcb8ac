/* test_link_slice.c: how a consumer cuts what it received into transactions
 * (common/link.h, link_slice): a full batch is a backlog and stays whole; a
 * burst is cut in about LINK_SLICES slices of at least LINK_MIN_SLICE, with no
 * short tail; every message is in exactly one slice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "link.h"

/* The slices of a burst of n, as link_slice gives them, into sizes[]. Returns how many. */
static size_t slices_of(size_t n, size_t sizes[], size_t max) {
    size_t done = 0, k = 0;
    while (done < n) {
        size_t s = link_slice(n, done);
        assert_true(s > 0);
        assert_true(done + s <= n);
        assert_true(k < max);
        sizes[k++] = s;
        done += s;
    }
    return k;
}

static void test_full_batch_is_one_transaction(void **state) {
    (void)state;
    assert_int_equal(link_slice(LINK_BATCH, 0), LINK_BATCH);
    assert_int_equal(link_slice(LINK_BATCH, 10), LINK_BATCH - 10);
}

static void test_burst_of_100_in_four_slices(void **state) {
    (void)state;
    size_t sizes[LINK_BATCH];
    assert_int_equal(slices_of(100, sizes, LINK_BATCH), LINK_SLICES);
    for (size_t i = 0; i < LINK_SLICES; i++) assert_int_equal(sizes[i], 25);
}

static void test_small_burst_is_one_transaction(void **state) {
    (void)state;
    size_t sizes[LINK_BATCH];
    for (size_t n = 1; n < LINK_MIN_SLICE + LINK_MIN_SLICE / 2; n++) {
        assert_int_equal(slices_of(n, sizes, LINK_BATCH), 1);
        assert_int_equal(sizes[0], n);
    }
}

static void test_every_burst_covered_without_short_tail(void **state) {
    (void)state;
    size_t sizes[LINK_BATCH];
    for (size_t n = 1; n < LINK_BATCH; n++) {
        size_t k = slices_of(n, sizes, LINK_BATCH), sum = 0;
        for (size_t i = 0; i < k; i++) sum += sizes[i];
        assert_int_equal(sum, n);
        assert_true(k <= LINK_SLICES + 1);
        for (size_t i = 0; i + 1 < k; i++) assert_true(sizes[i] >= LINK_MIN_SLICE);
        if (k > 1) assert_true(sizes[k - 1] >= sizes[0] / 2); /* the tail is not a crumb */
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_batch_is_one_transaction),
        cmocka_unit_test(test_burst_of_100_in_four_slices),
        cmocka_unit_test(test_small_burst_is_one_transaction),
        cmocka_unit_test(test_every_burst_covered_without_short_tail),
    };
    return cmocka_run_group_tests_name("link_slice", tests, NULL, NULL);
}
