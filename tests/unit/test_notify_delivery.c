/* test_notify_delivery.c: unit tests of services/notify/delivery.c's pure parts: the
 * last guard against an unmasked cert_no leaving the suite, and the retry schedule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "delivery.h"

static int has(const char *s) { return delivery_has_cert_no(s, strlen(s)); }

static void test_cert_no_found(void **state) {
    (void)state;
    assert_true(has("32070619900307123743"));
    assert_true(has("事件 e2e/leak-32070619900307123743。"));
    assert_true(has("x 32070619900307123X41 y")); /* check character X */
    assert_true(has("{\"ref\":\"a32070619900307123x74\"}"));
}

static void test_masked_and_other_numbers_pass(void **state) {
    (void)state;
    assert_false(has("3207**********123743"));
    assert_false(has("培训补贴 1500.00 元：3207**********123743"));
    assert_false(has("91320706MA11111101"));             /* credit code */
    assert_false(has("3207061990030712374"));             /* 19 characters */
    assert_false(has("32070619900307123783"));            /* category 8 */
    assert_false(has("32070619900307123745"));            /* grade 5 */
    assert_false(has(""));
    assert_false(delivery_has_cert_no("32070619900307123743", 19)); /* length bounds the scan */
}

static void test_backoff_doubles_then_caps(void **state) {
    (void)state;
    assert_int_equal(delivery_backoff_ms(1, 1000, 300000), 1000);
    assert_int_equal(delivery_backoff_ms(2, 1000, 300000), 2000);
    assert_int_equal(delivery_backoff_ms(3, 1000, 300000), 4000);
    assert_int_equal(delivery_backoff_ms(5, 1000, 300000), 16000);
    assert_int_equal(delivery_backoff_ms(12, 1000, 300000), 300000);
    assert_int_equal(delivery_backoff_ms(1000, 100, 300), 300); /* no overflow */
    assert_int_equal(delivery_backoff_ms(0, 100, 300), 100);
}

/* Usage: test_notify_delivery [PATTERN]: runs the tests whose name matches PATTERN. */
int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cert_no_found),
        cmocka_unit_test(test_masked_and_other_numbers_pass),
        cmocka_unit_test(test_backoff_doubles_then_caps),
    };
    if (argc > 1) cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests_name("notify_delivery", tests, NULL, NULL);
}
