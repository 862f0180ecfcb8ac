/* test_date.c: unit tests of common/date.c (day numbers, strict parsing,
 * month arithmetic, full years, and the suite's today). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "date.h"

/* Parse s, failing the test if it is not a valid date. */
static jdate_t D(const char *s) {
    jdate_t d = 0;
    assert_int_equal(date_parse(s, &d), 0);
    return d;
}

/* Format d into a static buffer for assert_string_equal. */
static const char *F(jdate_t d) {
    static char buf[DATE_STRLEN];
    return date_format(d, buf);
}

static void test_epoch_and_known_days(void **state) {
    (void)state;
    assert_int_equal(D("1970-01-01"), 0);
    assert_int_equal(D("1970-01-02"), 1);
    assert_int_equal(D("1969-12-31"), -1);
    assert_int_equal(D("2000-03-01"), 11017);
    assert_int_equal(D("2024-01-01"), 19723);
    assert_int_equal(D("1900-01-01"), -25567);
    assert_int_equal(D("2199-12-31"), 84005);
}

static void test_round_trip_every_day(void **state) {
    (void)state;
    char buf[DATE_STRLEN];
    jdate_t prev = D("1900-01-01") - 1;
    for (jdate_t d = D("1900-01-01"); d <= D("2199-12-31"); d++) {
        jdate_t back = 0;
        date_format(d, buf);
        assert_int_equal(date_parse(buf, &back), 0);
        assert_int_equal(back, d);
        assert_int_equal(back, prev + 1);
        prev = back;
    }
}

static void test_leap_years(void **state) {
    (void)state;
    jdate_t d = 0;
    assert_int_equal(date_parse("2024-02-29", &d), 0);
    assert_int_equal(date_parse("2000-02-29", &d), 0);  /* divisible by 400 */
    assert_int_equal(date_parse("1900-02-29", &d), -1); /* divisible by 100 */
    assert_int_equal(date_parse("2100-02-29", &d), -1);
    assert_int_equal(date_parse("2023-02-29", &d), -1);
    assert_int_equal(D("2024-03-01") - D("2024-02-28"), 2);
    assert_int_equal(D("2023-03-01") - D("2023-02-28"), 1);
    assert_int_equal(D("2025-01-01") - D("2024-01-01"), 366);
    assert_int_equal(D("2024-01-01") - D("2023-01-01"), 365);
}

static void test_parse_rejects(void **state) {
    (void)state;
    static const char *bad[] = {
        "2023-02-29", "2023-13-01", "2023-00-10", "2023-04-31", "2023-01-00", "2023-01-32",
        "2023-1-01",  "2023-01-1",  "23-01-01",   "2023-01-01x", "2023-01-01 ", " 2023-01-01",
        "2023/01/01", "20230101",   "",           "1899-12-31", "2200-01-01", "2023-0a-01",
        "+023-01-01", "2023--1-01", "2023-01-01T00:00",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        jdate_t d = 12345;
        if (date_parse(bad[i], &d) != -1) fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(d, 12345); /* untouched on failure */
    }
    jdate_t d = 7;
    assert_int_equal(date_parse(NULL, &d), -1);
    assert_int_equal(d, 7);
}

static void test_from_to_ymd(void **state) {
    (void)state;
    jdate_t d = 0;
    int y, m, dd;
    assert_int_equal(date_from_ymd(2024, 2, 29, &d), 0);
    date_to_ymd(d, &y, &m, &dd);
    assert_int_equal(y, 2024);
    assert_int_equal(m, 2);
    assert_int_equal(dd, 29);
    date_to_ymd(d, NULL, NULL, NULL);
    assert_int_equal(date_from_ymd(2023, 2, 29, &d), -1);
    assert_int_equal(date_from_ymd(2023, 13, 1, &d), -1);
    assert_int_equal(date_from_ymd(2023, 0, 1, &d), -1);
    assert_int_equal(date_from_ymd(2023, 6, 31, &d), -1);
    assert_int_equal(date_year(D("1999-12-31")), 1999);
    assert_string_equal(F(D("2024-12-31")), "2024-12-31");
}

static void test_add_months(void **state) {
    (void)state;
    assert_string_equal(F(date_add_months(D("2024-02-29"), 12)), "2025-02-28");
    assert_string_equal(F(date_add_months(D("2024-02-29"), 48)), "2028-02-29");
    assert_string_equal(F(date_add_months(D("2024-01-31"), 1)), "2024-02-29");
    assert_string_equal(F(date_add_months(D("2023-01-31"), 1)), "2023-02-28");
    assert_string_equal(F(date_add_months(D("2024-03-31"), 1)), "2024-04-30");
    assert_string_equal(F(date_add_months(D("2024-11-15"), 2)), "2025-01-15");
    assert_string_equal(F(date_add_months(D("2024-01-15"), -1)), "2023-12-15");
    assert_string_equal(F(date_add_months(D("2024-03-31"), -1)), "2024-02-29");
    assert_string_equal(F(date_add_months(D("2024-05-10"), -29)), "2021-12-10");
    assert_string_equal(F(date_add_months(D("2023-11-01"), 24)), "2025-11-01");
    assert_string_equal(F(date_add_months(D("2024-05-10"), 0)), "2024-05-10");
}

static void test_month_ends(void **state) {
    (void)state;
    assert_string_equal(F(date_month_first(D("2024-02-17"))), "2024-02-01");
    assert_string_equal(F(date_month_last(D("2024-02-17"))), "2024-02-29");
    assert_string_equal(F(date_month_last(D("2023-02-01"))), "2023-02-28");
    assert_string_equal(F(date_month_last(D("2024-04-30"))), "2024-04-30");
    assert_string_equal(F(date_month_last(D("2024-12-01"))), "2024-12-31");
    assert_string_equal(F(date_month_first(D("2024-01-01"))), "2024-01-01");
    assert_string_equal(F(date_month_last(D("1900-02-10"))), "1900-02-28");
    assert_string_equal(F(date_month_last(D("2000-02-10"))), "2000-02-29");
}

static void test_full_years(void **state) {
    (void)state;
    jdate_t b = D("1990-03-07");
    assert_int_equal(date_full_years(b, D("2006-03-06")), 15); /* eve of 16th birthday */
    assert_int_equal(date_full_years(b, D("2006-03-07")), 16); /* the birthday */
    assert_int_equal(date_full_years(b, D("2050-03-06")), 59);
    assert_int_equal(date_full_years(b, D("2050-03-07")), 60);
    assert_int_equal(date_full_years(b, b), 0);
    assert_int_equal(date_full_years(b, D("1990-12-31")), 0);
    assert_int_equal(date_full_years(b, D("1990-03-06")), -1); /* before birth */
    assert_true(date_full_years(b, D("1980-01-01")) < 0);
    /* 29 February births: birthday on 28 February in common years (POLICY §3 anniversary). */
    jdate_t leap = D("2008-02-29");
    assert_int_equal(date_full_years(leap, D("2024-02-28")), 15);
    assert_int_equal(date_full_years(leap, D("2024-02-29")), 16);
    assert_int_equal(date_full_years(leap, D("2025-02-27")), 16);
    assert_int_equal(date_full_years(leap, D("2025-02-28")), 17);
    assert_int_equal(date_full_years(leap, D("2025-03-01")), 17);
    /* Year-end births. */
    jdate_t dec = D("1970-12-31");
    assert_int_equal(date_full_years(dec, D("2024-12-30")), 53);
    assert_int_equal(date_full_years(dec, D("2024-12-31")), 54);
}

/* The Asia/Shanghai date as computed from the system clock. */
static jdate_t shanghai_now(void) {
    long long s = (long long)time(NULL) + 8 * 3600;
    return (jdate_t)(s / 86400);
}

static void test_today_env(void **state) {
    (void)state;
    assert_int_equal(setenv("JIUYE_TODAY", "2024-05-10", 1), 0);
    assert_int_equal(date_today(), D("2024-05-10"));
    assert_int_equal(setenv("JIUYE_TODAY", "2025-12-31", 1), 0);
    assert_int_equal(date_today(), D("2025-12-31"));
    assert_int_equal(unsetenv("JIUYE_TODAY"), 0);
    jdate_t before = shanghai_now(), t = date_today(), after = shanghai_now();
    assert_true(t == before || t == after);
}

/* An invalid JIUYE_TODAY falls back to the clock and warns on stderr exactly once. */
static void test_today_invalid_env_warns_once(void **state) {
    (void)state;
    char path[] = "/tmp/test_date_stderr_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fd, STDERR_FILENO) >= 0);

    assert_int_equal(setenv("JIUYE_TODAY", "2023-02-29", 1), 0);
    jdate_t before = shanghai_now();
    jdate_t t1 = date_today();
    assert_int_equal(setenv("JIUYE_TODAY", "2024-1-01", 1), 0);
    jdate_t t2 = date_today();
    jdate_t after = shanghai_now();

    fflush(stderr);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    assert_int_equal(unsetenv("JIUYE_TODAY"), 0);

    char buf[1024] = {0};
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    close(fd);
    unlink(path);
    assert_true(n > 0);
    assert_true(t1 == before || t1 == after);
    assert_true(t2 == before || t2 == after);
    int lines = 0;
    for (const char *p = buf; (p = strstr(p, "JIUYE_TODAY")) != NULL; p++) lines++;
    assert_int_equal(lines, 1);
    assert_null(strstr(buf, "2023-02-29")); /* the message does not echo the value */
}

/* Usage: test_date [PATTERN]: runs the tests whose name matches PATTERN (* and ? wildcards). */
int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_epoch_and_known_days),
        cmocka_unit_test(test_round_trip_every_day),
        cmocka_unit_test(test_leap_years),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_from_to_ymd),
        cmocka_unit_test(test_add_months),
        cmocka_unit_test(test_month_ends),
        cmocka_unit_test(test_full_years),
        cmocka_unit_test(test_today_env),
        cmocka_unit_test(test_today_invalid_env_warns_once),
    };
    if (argc > 1) cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests_name("date", tests, NULL, NULL);
}
