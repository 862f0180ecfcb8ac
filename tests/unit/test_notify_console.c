/* test_notify_console.c: unit tests of the console's pure parts: the bearer header
 * parser and staff names (services/notify/staff.c), the static-file table that no
 * request path can escape (web_static.c), and the stream-ticket cookie parser
 * (console.c). What needs PostgreSQL or a browser is in tests/e2e/console.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "console.h"
#include "staff.h"
#include "token.h"
#include "web_static.h"

#define T64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_bearer(void **state) {
    (void)state;
    const char *h = "Bearer jy_" T64;
    assert_ptr_equal(access_bearer(h), h + 7);
    assert_string_equal(access_bearer("bearer   jy_" T64), "jy_" T64);
    assert_null(access_bearer(NULL));
    assert_null(access_bearer(""));
    assert_null(access_bearer("Basic jy_" T64));
    assert_null(access_bearer("Bearer"));
    assert_null(access_bearer("Bearer jy_" T64 "0"));             /* too long */
    assert_null(access_bearer("Bearer jy_" T64 " extra"));        /* trailing words */
    assert_null(access_bearer("Bearer jy_0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef")); /* upper */
    assert_null(access_bearer("Bearer xx_" T64));
    assert_null(access_bearer("Bearerjy_" T64));
}

static void test_new_token_is_a_bearer(void **state) {
    (void)state;
    char t[TOKEN_LEN + 1], h[TOKEN_LEN + 16];
    assert_int_equal(token_new(t), 0);
    snprintf(h, sizeof h, "Bearer %s", t);
    assert_string_equal(access_bearer(h), t);
}

static void test_staff_names(void **state) {
    (void)state;
    assert_true(staff_name_valid("hz-cdpf-07"));
    assert_true(staff_name_valid("a"));
    assert_true(staff_name_valid("0.x_y-z"));
    assert_false(staff_name_valid(""));
    assert_false(staff_name_valid("-lead"));
    assert_false(staff_name_valid("Upper"));
    assert_false(staff_name_valid("张三"));
    assert_false(staff_name_valid("a b"));
    char long_name[STAFF_MAX_NAME + 2];
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    assert_false(staff_name_valid(long_name));
    long_name[STAFF_MAX_NAME] = '\0';
    assert_true(staff_name_valid(long_name));
}

static void test_static_table(void **state) {
    (void)state;
    assert_string_equal(web_static_file_for("/console/"), "index.html");
    assert_string_equal(web_static_file_for("/console/app.js"), "app.js");
    assert_string_equal(web_static_file_for("/console/style.css"), "style.css");
    static const char *const outside[] = {
        "/console/../README.md", "/console/..%2fREADME.md", "/console/%2e%2e/ops", "/console/app.js/",
        "/console//app.js", "/console/./app.js", "/console/index.html", "/console/APP.JS", "/console/app.js%00",
        "/console/web/app.js", "/console", "/", "", "/consoleapp.js", "/console/../../etc/passwd",
    };
    for (size_t i = 0; i < sizeof outside / sizeof *outside; i++) assert_null(web_static_file_for(outside[i]));
    assert_null(web_static_file_for(NULL));
}

/* Loading reads only the table's names from the directory: a file beside them, or
 * outside the directory, is never served, and a missing one is simply absent. */
static void test_static_load(void **state) {
    (void)state;
    char dir[] = "/tmp/jiuye-web-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/app.js", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("'use strict';\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/secret.txt", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("no\n", f);
    fclose(f);
    web_static_t *w = web_static_load(dir);
    assert_non_null(w);
    assert_int_equal(web_static_loaded(w), 1);
    web_static_destroy(&w);
    assert_null(w);
    web_static_destroy(&w); /* NULL is fine */
    snprintf(path, sizeof path, "%s/app.js", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/secret.txt", dir);
    unlink(path);
    rmdir(dir);
}

static void test_csp_is_strict(void **state) {
    (void)state;
    assert_non_null(strstr(WEB_CSP, "default-src 'none'"));
    assert_non_null(strstr(WEB_CSP, "script-src 'self'"));
    assert_non_null(strstr(WEB_CSP, "frame-ancestors 'none'"));
    assert_null(strstr(WEB_CSP, "unsafe-inline"));
    assert_null(strstr(WEB_CSP, "unsafe-eval"));
    assert_null(strstr(WEB_CSP, "*"));
}

static void test_cookie(void **state) {
    (void)state;
    char out[80];
    assert_string_equal(console_cookie("jiuye_ticket=jy_" T64, "jiuye_ticket", out, sizeof out), "jy_" T64);
    assert_string_equal(console_cookie("a=1; jiuye_ticket=abc; b=2", "jiuye_ticket", out, sizeof out), "abc");
    assert_string_equal(console_cookie("x_jiuye_ticket=no;jiuye_ticket=yes", "jiuye_ticket", out, sizeof out), "yes");
    assert_null(console_cookie("jiuye_ticketx=1", "jiuye_ticket", out, sizeof out));
    assert_null(console_cookie("other=1", "jiuye_ticket", out, sizeof out));
    assert_null(console_cookie(NULL, "jiuye_ticket", out, sizeof out));
    assert_null(console_cookie("", "jiuye_ticket", out, sizeof out));
    char small[4];
    assert_null(console_cookie("jiuye_ticket=toolong", "jiuye_ticket", small, sizeof small));
    assert_string_equal(console_cookie("jiuye_ticket=", "jiuye_ticket", out, sizeof out), "");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bearer),        cmocka_unit_test(test_new_token_is_a_bearer),
        cmocka_unit_test(test_staff_names),   cmocka_unit_test(test_static_table),
        cmocka_unit_test(test_static_load),   cmocka_unit_test(test_csp_is_strict),
        cmocka_unit_test(test_cookie),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
