/* test_log.c: unit tests of common/log.c: the per-thread context (event_id and message_id
 * in every line until cleared, a call's own ids first, another thread unaffected) and the
 * ids written with any run of 17 digits or more masked. Lines are read back from stderr,
 * sent to a temporary file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static char path[64];
static int saved_stderr = -1;

/* Send stderr to a fresh file (teardown gives cmocka its stderr back). */
static void capture(void) {
    snprintf(path, sizeof path, "/tmp/jiuye-test-log.%ld", (long)getpid());
    fflush(stderr);
    if (saved_stderr < 0) saved_stderr = dup(2);
    assert_non_null(freopen(path, "w", stderr));
}

/* What was logged since capture(), as one string (static). */
static const char *captured(void) {
    static char text[8192];
    fflush(stderr);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

static void test_context_in_every_line_until_cleared(void **state) {
    (void)state;
    capture();
    log_context_set("ev-1", "intake/src/ev-1");
    log_info("first");
    log_warn("second");
    log_context_clear();
    log_info("third");
    const char *t = captured();
    assert_non_null(strstr(t, "\"msg\":\"first\",\"event_id\":\"ev-1\",\"message_id\":\"intake/src/ev-1\"}"));
    assert_non_null(strstr(t, "\"msg\":\"second\",\"event_id\":\"ev-1\",\"message_id\":\"intake/src/ev-1\"}"));
    assert_non_null(strstr(t, "\"msg\":\"third\"}"));
}

static void test_own_ids_first_and_unset_parts(void **state) {
    (void)state;
    capture();
    log_context_set("ev-ctx", NULL);
    log_at(LOG_INFO, "ev-own", "m-own", "own");
    log_info("context, no message");
    log_context_clear();
    const char *t = captured();
    assert_non_null(strstr(t, "\"msg\":\"own\",\"event_id\":\"ev-own\",\"message_id\":\"m-own\"}"));
    assert_non_null(strstr(t, "\"msg\":\"context, no message\",\"event_id\":\"ev-ctx\"}"));
}

static void *other_thread(void *arg) {
    (void)arg;
    log_info("from another thread");
    return NULL;
}

static void test_context_is_per_thread(void **state) {
    (void)state;
    capture();
    log_context_set("ev-main", "m-main");
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, other_thread, NULL), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    log_context_clear();
    assert_non_null(strstr(captured(), "\"msg\":\"from another thread\"}"));
}

static void test_ids_mask_long_digit_runs(void **state) {
    (void)state;
    capture();
    log_at(LOG_INFO, "leak-32070619900307123743", "intake/s/leak-3207061990030712374X-z", "leak");
    log_at(LOG_INFO, "hrss-2024-000123-1234567890123456", NULL, "short runs stay");
    const char *t = captured();
    assert_non_null(strstr(t, "\"event_id\":\"leak-3207**************43\""));
    assert_non_null(strstr(t, "\"message_id\":\"intake/s/leak-3207**************4X-z\""));
    assert_null(strstr(t, "070619900307"));
    assert_non_null(strstr(t, "\"event_id\":\"hrss-2024-000123-1234567890123456\""));
}

static int teardown(void **state) {
    (void)state;
    fflush(stderr);
    if (saved_stderr >= 0) dup2(saved_stderr, 2);
    unlink(path);
    return 0;
}

int main(void) {
    log_init("test");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_context_in_every_line_until_cleared, teardown),
        cmocka_unit_test_teardown(test_own_ids_first_and_unset_parts, teardown),
        cmocka_unit_test_teardown(test_context_is_per_thread, teardown),
        cmocka_unit_test_teardown(test_ids_mask_long_digit_runs, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
