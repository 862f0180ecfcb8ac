/* test_token.c: unit tests of common/token.c (the form of a token and how it is stored). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "token.h"

#define ONE "jy_0000000000000000000000000000000000000000000000000000000000000001"

static void test_new_tokens_are_valid(void **state) {
    (void)state;
    char a[TOKEN_LEN + 1], b[TOKEN_LEN + 1];
    assert_int_equal(token_new(a), 0);
    assert_int_equal(token_new(b), 0);
    assert_int_equal(token_valid(a, strlen(a)), 1);
    assert_string_not_equal(a, b);
}

static void test_form(void **state) {
    (void)state;
    assert_int_equal(token_valid(ONE, strlen(ONE)), 1);
    assert_int_equal(token_valid(ONE, strlen(ONE) - 1), 0); /* one digit short */
    const char *upper = "jy_000000000000000000000000000000000000000000000000000000000000000A";
    assert_int_equal(token_valid(upper, strlen(upper)), 0);
    const char *prefix = "jz_0000000000000000000000000000000000000000000000000000000000000001";
    assert_int_equal(token_valid(prefix, strlen(prefix)), 0);
    const char *longer = ONE "0";
    assert_int_equal(token_valid(longer, strlen(longer)), 0);
    assert_int_equal(token_valid("", 0), 0);
}

/* The stored form is the SHA-256 of the token's text (sha256sum agrees), as bytea text. */
static void test_digest_param(void **state) {
    (void)state;
    char param[TOKEN_DIGEST_PARAM_LEN];
    token_digest_param(ONE, param);
    assert_string_equal(param, "\\xb7b8c9f71ad0fb900fbe8da7ad4cd9412abd4b6b1e7166ee3fc50e88fa7b7ae6");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_tokens_are_valid),
        cmocka_unit_test(test_form),
        cmocka_unit_test(test_digest_param),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
