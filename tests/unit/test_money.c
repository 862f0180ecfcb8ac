/* test_money.c: unit tests of common/money.c (integer ratios with
 * half-away-from-zero rounding, yuan formatting). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "money.h"

static void test_ratio_exact(void **state) {
    (void)state;
    assert_int_equal(money_ratio(180000, 60, 100), 108000);
    assert_int_equal(money_ratio(226000, 60, 100), 135600);
    assert_int_equal(money_ratio(0, 60, 100), 0);
    assert_int_equal(money_ratio(123456, 1, 1), 123456);
    assert_int_equal(money_ratio(100, 0, 7), 0);
}

static void test_ratio_half_cases(void **state) {
    (void)state;
    assert_int_equal(money_ratio(5, 1, 2), 3);
    assert_int_equal(money_ratio(-5, 1, 2), -3);
    assert_int_equal(money_ratio(1, 1, 2), 1);
    assert_int_equal(money_ratio(-1, 1, 2), -1);
    assert_int_equal(money_ratio(3, 1, 2), 2);
    assert_int_equal(money_ratio(-3, 1, 2), -2);
    assert_int_equal(money_ratio(5, -1, 2), -3);   /* sign from num */
    assert_int_equal(money_ratio(-5, -1, 2), 3);
    assert_int_equal(money_ratio(125, 1, 10), 13); /* 12.5 */
    assert_int_equal(money_ratio(-125, 1, 10), -13);
    assert_int_equal(money_ratio(15, 50, 100), 8); /* 7.5 */
    assert_int_equal(money_ratio(-15, 50, 100), -8);
}

static void test_ratio_below_and_above_half(void **state) {
    (void)state;
    assert_int_equal(money_ratio(1, 1, 3), 0);   /* 0.333 */
    assert_int_equal(money_ratio(2, 1, 3), 1);   /* 0.667 */
    assert_int_equal(money_ratio(-1, 1, 3), 0);
    assert_int_equal(money_ratio(-2, 1, 3), -1);
    assert_int_equal(money_ratio(149, 1, 100), 1);
    assert_int_equal(money_ratio(150, 1, 100), 2);
    assert_int_equal(money_ratio(-149, 1, 100), -1);
    assert_int_equal(money_ratio(-150, 1, 100), -2);
    assert_int_equal(money_ratio(1001, 9, 10), 901); /* 900.9 */
    assert_int_equal(money_ratio(1004, 9, 10), 904); /* 903.6 */
}

static void test_ratio_large(void **state) {
    (void)state;
    /* Levy, worked example 4: (3 - 1) x 900000 x 12 x 90 %, as one ratio. */
    assert_int_equal(money_ratio(2 * 900000 * 12, 90, 100), 19440000);
    /* 2.25 - 2 = 25/100 of a person, x 900000 x 12 x 50 %. */
    assert_int_equal(money_ratio(900000 * 12, 25 * 50, 100 * 100), 1350000);
    /* Near the int64 limit without overflow. */
    assert_int_equal(money_ratio(INT64_MAX, 1, 1), INT64_MAX);
    assert_int_equal(money_ratio(INT64_MAX, 1, INT64_MAX), 1);
    assert_int_equal(money_ratio(INT64_MAX / 2, 1, INT64_MAX), 0);     /* just below half */
    assert_int_equal(money_ratio(INT64_MAX / 2 + 1, 1, INT64_MAX), 1); /* just above half */
    assert_int_equal(money_ratio(-INT64_MAX, 1, INT64_MAX), -1);
    assert_int_equal(money_ratio(INT64_MAX - 1, 1, INT64_MAX), 1);
}

static void test_format_yuan(void **state) {
    (void)state;
    char out[32];
    assert_string_equal(money_format_yuan(150000, out, sizeof out), "1500.00");
    assert_string_equal(money_format_yuan(-53280, out, sizeof out), "-532.80");
    assert_string_equal(money_format_yuan(0, out, sizeof out), "0.00");
    assert_string_equal(money_format_yuan(5, out, sizeof out), "0.05");
    assert_string_equal(money_format_yuan(-5, out, sizeof out), "-0.05");
    assert_string_equal(money_format_yuan(-100, out, sizeof out), "-1.00");
    assert_string_equal(money_format_yuan(7070000, out, sizeof out), "70700.00");
    assert_string_equal(money_format_yuan(-5328000, out, sizeof out), "-53280.00");
    assert_string_equal(money_format_yuan(INT64_MAX, out, sizeof out), "92233720368547758.07");
    assert_string_equal(money_format_yuan(INT64_MIN, out, sizeof out), "-92233720368547758.08");
}

/* Usage: test_money [PATTERN]: runs the tests whose name matches PATTERN (* and ? wildcards). */
int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ratio_exact),
        cmocka_unit_test(test_ratio_half_cases),
        cmocka_unit_test(test_ratio_below_and_above_half),
        cmocka_unit_test(test_ratio_large),
        cmocka_unit_test(test_format_yuan),
    };
    if (argc > 1) cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests_name("money", tests, NULL, NULL);
}
