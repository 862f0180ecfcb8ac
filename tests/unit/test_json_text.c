/* test_json_text.c: common/json_text.c, JSON written straight into a buffer:
 * commas and nesting, RFC 8259 escapes (read back by jansson), UTF-8 checked
 * as jansson checks it, cutting a string at a character boundary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <string.h>

#include "json_text.h"

static void test_nesting_and_commas(void **state) {
    (void)state;
    json_text_t t = JSON_TEXT_INIT;
    json_text_reset(&t);
    json_text_open(&t, '{');
    json_text_member(&t, "a", "1");
    json_text_key(&t, "list");
    json_text_open(&t, '[');
    json_text_string(&t, "x");
    json_text_open(&t, '{');
    json_text_close(&t, '}');
    json_text_open(&t, '[');
    json_text_close(&t, '[');
    json_text_string(&t, NULL);
    json_text_close(&t, '[');
    json_text_key(&t, "empty");
    json_text_open(&t, '{');
    json_text_close(&t, '{');
    json_text_member(&t, "b", "2");
    json_text_close(&t, '{');
    assert_string_equal(json_text_done(&t), "{\"a\":\"1\",\"list\":[\"x\",{},[],\"\"],\"empty\":{},\"b\":\"2\"}");
    /* reset: a new document in the same buffer */
    json_text_reset(&t);
    json_text_open(&t, '[');
    json_text_close(&t, '[');
    assert_string_equal(json_text_done(&t), "[]");
    json_text_free(&t);
}

static void test_escapes_read_back(void **state) {
    (void)state;
    const char *nasty = "say \"hi\"\\ \b\f\n\r\t\x01\x1f/ 连云港 \xF0\x9F\x98\x80 end";
    json_text_t t = JSON_TEXT_INIT;
    json_text_reset(&t);
    json_text_open(&t, '{');
    json_text_member(&t, "k\"ey\n", nasty);
    json_text_close(&t, '}');
    const char *s = json_text_done(&t);
    assert_non_null(s);
    assert_non_null(strstr(s, "\\u0001"));
    assert_non_null(strstr(s, "\\u001f"));
    assert_non_null(strstr(s, "连云港")); /* UTF-8 as it is */
    json_error_t e;
    json_t *j = json_loads(s, 0, &e);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "k\"ey\n")), nasty);
    json_decref(j);
    json_text_free(&t);
}

static void test_long_document_grows(void **state) {
    (void)state;
    json_text_t t = JSON_TEXT_INIT;
    json_text_reset(&t);
    json_text_open(&t, '[');
    char v[64];
    for (int i = 0; i < 5000; i++) {
        snprintf(v, sizeof v, "value %d", i);
        json_text_string(&t, v);
    }
    json_text_close(&t, '[');
    json_t *j = json_loads(json_text_done(&t), 0, NULL);
    assert_int_equal(json_array_size(j), 5000);
    assert_string_equal(json_string_value(json_array_get(j, 4999)), "value 4999");
    json_decref(j);
    json_text_free(&t);
}

static void test_invalid_utf8_and_bad_nesting_give_null(void **state) {
    (void)state;
    const char *bad[] = {"\xC3", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\x80", "ok\xFF"};
    json_text_t t = JSON_TEXT_INIT;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_false(json_text_utf8_valid(bad[i], strlen(bad[i])));
        json_text_reset(&t);
        json_text_open(&t, '{');
        json_text_member(&t, "v", bad[i]);
        json_text_close(&t, '{');
        assert_null(json_text_done(&t));
        /* jansson refuses the same strings */
        assert_null(json_string(bad[i]));
    }
    assert_true(json_text_utf8_valid("连云港\xF0\x9F\x98\x80", strlen("连云港\xF0\x9F\x98\x80")));
    json_text_reset(&t); /* left open */
    json_text_open(&t, '{');
    assert_null(json_text_done(&t));
    json_text_reset(&t); /* a key without its value */
    json_text_open(&t, '{');
    json_text_key(&t, "k");
    json_text_close(&t, '{');
    assert_null(json_text_done(&t));
    json_text_reset(&t); /* an object closed as an array */
    json_text_open(&t, '{');
    json_text_close(&t, ']');
    assert_null(json_text_done(&t));
    json_text_reset(&t); /* closed twice */
    json_text_open(&t, '[');
    json_text_close(&t, '[');
    json_text_close(&t, '[');
    assert_null(json_text_done(&t));
    json_text_free(&t);
}

static void test_prefix_cuts_at_character_boundary(void **state) {
    (void)state;
    const char *s = "ab连云"; /* 2 + 3 + 3 bytes */
    assert_int_equal(json_text_utf8_prefix(s, 8), 8);
    assert_int_equal(json_text_utf8_prefix(s, 7), 5); /* inside 云 */
    assert_int_equal(json_text_utf8_prefix(s, 6), 5);
    assert_int_equal(json_text_utf8_prefix(s, 5), 5);
    assert_int_equal(json_text_utf8_prefix(s, 4), 2); /* inside 连 */
    assert_int_equal(json_text_utf8_prefix(s, 2), 2);
    assert_int_equal(json_text_utf8_prefix("\xF0\x9F\x98\x80", 3), 0);
    assert_int_equal(json_text_utf8_prefix("\xF0\x9F\x98\x80", 4), 4);
    assert_int_equal(json_text_utf8_prefix("", 0), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nesting_and_commas),
        cmocka_unit_test(test_escapes_read_back),
        cmocka_unit_test(test_long_document_grows),
        cmocka_unit_test(test_invalid_utf8_and_bad_nesting_give_null),
        cmocka_unit_test(test_prefix_cuts_at_character_boundary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
