/* test_ident.c: unit tests of common/ident.c (cert_no, credit codes,
 * districts, masks, UTF-8 length). The valid IDs are built here with an
 * independent implementation of the check characters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ident.h"

/* ---- helpers: build valid identifiers ---- */

/* GB 11643 check character of the 17 digits at base17. */
static char id_check(const char *base17) {
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        int w = 1;
        for (int k = 0; k < 17 - i; k++) w = w * 2 % 11; /* 2^(17-i) mod 11 */
        sum += (base17[i] - '0') * w;
    }
    return "10X98765432"[sum % 11];
}

/* out (21 bytes) = base17 + check + category + grade. */
static const char *make_cert(const char *base17, char category, char grade, char *out) {
    assert_int_equal(strlen(base17), 17);
    memcpy(out, base17, 17);
    out[17] = id_check(base17);
    out[18] = category;
    out[19] = grade;
    out[20] = '\0';
    return out;
}

static const char ALPHA[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* GB 32100 check character of the 17 characters at base17. */
static char credit_check(const char *base17) {
    static const int w[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        const char *p = strchr(ALPHA, base17[i]);
        assert_non_null(p); /* a test bug otherwise */
        sum += (int)(p - ALPHA) * w[i];
    }
    return ALPHA[(31 - sum % 31) % 31];
}

static const char *make_credit(const char *base17, char *out) {
    assert_int_equal(strlen(base17), 17);
    memcpy(out, base17, 17);
    out[17] = credit_check(base17);
    out[18] = '\0';
    return out;
}

/* Expect cert_no_parse(s) to fail with exactly reason, and the reason not to contain s. */
static void expect_cert_error(const char *s, const char *reason) {
    char err[128] = "unset";
    cert_info_t info = {.birth = 42, .male = 42, .category = 42, .grade = 42};
    assert_int_equal(cert_no_parse(s, &info, err, sizeof err), -1);
    assert_string_equal(err, reason);
    if (s && strlen(s) >= 10) assert_null(strstr(err, s));
    assert_int_equal(info.birth, 42); /* untouched */
}

static void expect_credit_error(const char *s, const char *reason) {
    char err[128] = "unset";
    assert_int_equal(credit_code_check(s, err, sizeof err), -1);
    assert_string_equal(err, reason);
    if (s && strlen(s) >= 10) assert_null(strstr(err, s));
}

static int setup_today(void **state) {
    (void)state;
    return setenv("JIUYE_TODAY", "2024-06-01", 1);
}

static int teardown_today(void **state) {
    (void)state;
    return unsetenv("JIUYE_TODAY");
}

static jdate_t D(const char *s) {
    jdate_t d = 0;
    assert_int_equal(date_parse(s, &d), 0);
    return d;
}

/* ---- cert_no ---- */

static void test_cert_public_example(void **state) {
    (void)state;
    /* 11010519491231002X is the GB 11643 standard's example; its check is 'X'. */
    assert_int_equal(id_check("11010519491231002"), 'X');
    cert_info_t info;
    char err[128] = "";
    assert_int_equal(cert_no_parse("11010519491231002X42", &info, err, sizeof err), 0);
    assert_int_equal(info.birth, D("1949-12-31"));
    assert_int_equal(info.male, 0); /* 17th digit 2: female */
    assert_int_equal(info.category, 4);
    assert_int_equal(info.grade, 2);
}

static void test_cert_constructed_valid(void **state) {
    (void)state;
    char buf[CERT_NO_LEN + 1], err[128];
    cert_info_t info;
    make_cert("32070619900307123", '1', '4', buf);
    assert_int_equal(buf[17], '7');
    assert_int_equal(cert_no_parse(buf, &info, err, sizeof err), 0);
    assert_int_equal(info.birth, D("1990-03-07"));
    assert_int_equal(info.male, 1); /* 17th digit 3: male */
    assert_int_equal(info.category, 1);
    assert_int_equal(info.grade, 4);
    assert_int_equal(cert_no_parse(buf, NULL, NULL, 0), 0);

    /* Every category and grade; both sexes; leap-day and boundary births. */
    for (char c = '1'; c <= '7'; c++)
        for (char g = '1'; g <= '4'; g++) {
            make_cert("32072320040229004", c, g, buf);
            assert_int_equal(cert_no_parse(buf, &info, err, sizeof err), 0);
            assert_int_equal(info.category, c - '0');
            assert_int_equal(info.grade, g - '0');
            assert_int_equal(info.male, 0);
            assert_int_equal(info.birth, D("2004-02-29"));
        }
    assert_int_equal(cert_no_parse(make_cert("32070019000101001", '7', '1', buf), NULL, err,
                                   sizeof err), 0);
    assert_int_equal(cert_no_parse(make_cert("32070020240601001", '7', '1', buf), NULL, err,
                                   sizeof err), 0); /* born today */

    /* Find an ID whose check character is 'X' by varying the sequence number. */
    int found = 0;
    for (int seq = 0; seq < 1000 && !found; seq++) {
        char base[18];
        memcpy(base, "32070719850612", 14);
        base[14] = (char)('0' + seq / 100);
        base[15] = (char)('0' + seq / 10 % 10);
        base[16] = (char)('0' + seq % 10);
        base[17] = '\0';
        if (id_check(base) == 'X') {
            make_cert(base, '2', '3', buf);
            assert_int_equal(cert_no_parse(buf, &info, err, sizeof err), 0);
            found = 1;
        }
    }
    assert_true(found);
}

static void test_cert_length(void **state) {
    (void)state;
    expect_cert_error("3207061990030712371", "must be 20 characters, got 19");
    expect_cert_error("320706199003071237144", "must be 20 characters, got 21");
    expect_cert_error("", "must be 20 characters, got 0");
    expect_cert_error(NULL, "is missing");
    /* Twenty full-width digits are 20 characters but 60 bytes. */
    expect_cert_error("１２３４５６７８９０１２３４５６７８９０",
                      "must be 20 ASCII characters, got non-ASCII characters");
    expect_cert_error("张三", "must be 20 characters, got 2");
}

static void test_cert_characters(void **state) {
    (void)state;
    expect_cert_error("3207061990030712A714", "characters 1-17 must be digits");
    expect_cert_error("A2070619900307123714", "characters 1-17 must be digits");
    expect_cert_error("32070619900307123 14", "character 18 must be a digit or 'X'");
    char buf[CERT_NO_LEN + 1];
    make_cert("11010519491231002", '4', '2', buf);
    buf[17] = 'x';
    expect_cert_error(buf, "character 18 must be a digit or uppercase 'X', got lowercase 'x'");
}

static void test_cert_check_digit(void **state) {
    (void)state;
    expect_cert_error("32070619900307123814", "check digit should be 7");
    expect_cert_error("32070619900307123X14", "check digit should be 7");
    expect_cert_error("11010519491231002014", "check digit should be X");
    /* Every single-digit substitution in the first 17 is caught. */
    char buf[CERT_NO_LEN + 1], err[128];
    make_cert("32070619900307123", '1', '4', buf);
    for (int i = 0; i < 17; i++) {
        char orig = buf[i];
        for (char c = '0'; c <= '9'; c++) {
            if (c == orig) continue;
            buf[i] = c;
            assert_int_equal(cert_no_parse(buf, NULL, err, sizeof err), -1);
        }
        buf[i] = orig;
    }
}

static void test_cert_birth_date(void **state) {
    (void)state;
    char buf[CERT_NO_LEN + 1];
    expect_cert_error(make_cert("32070619900230123", '1', '4', buf),
                      "birth date 19900230 is not a real date");
    expect_cert_error(make_cert("32070619901301123", '1', '4', buf),
                      "birth date 19901301 is not a real date");
    expect_cert_error(make_cert("32070620230229123", '1', '4', buf),
                      "birth date 20230229 is not a real date");
    expect_cert_error(make_cert("32070618991231123", '1', '4', buf),
                      "birth date 18991231 is before 1900-01-01");
    expect_cert_error(make_cert("32070620240602123", '1', '4', buf), /* JIUYE_TODAY + 1 */
                      "birth date 20240602 is in the future");
    expect_cert_error(make_cert("32070600000101123", '1', '4', buf),
                      "birth date 00000101 is not a real date");
}

static void test_cert_category_grade(void **state) {
    (void)state;
    char buf[CERT_NO_LEN + 1];
    expect_cert_error(make_cert("32070619900307123", '8', '1', buf), "category must be 1-7, got 8");
    expect_cert_error(make_cert("32070619900307123", '0', '1', buf), "category must be 1-7, got 0");
    expect_cert_error(make_cert("32070619900307123", 'A', '1', buf),
                      "category must be 1-7, got 'A'");
    expect_cert_error(make_cert("32070619900307123", '1', '0', buf), "grade must be 1-4, got 0");
    expect_cert_error(make_cert("32070619900307123", '1', '5', buf), "grade must be 1-4, got 5");
    expect_cert_error(make_cert("32070619900307123", '1', '\t', buf),
                      "grade must be 1-4, got byte 0x09");
}

static void test_cert_small_err_buffer(void **state) {
    (void)state;
    char err[8];
    assert_int_equal(cert_no_parse("123", NULL, err, sizeof err), -1);
    assert_string_equal(err, "must be"); /* truncated, NUL-terminated */
    assert_int_equal(cert_no_parse("123", NULL, NULL, 0), -1);
}

/* ---- credit codes ---- */

static void test_credit_valid(void **state) {
    (void)state;
    char err[128] = "", buf[CREDIT_CODE_LEN + 1];
    assert_int_equal(credit_check("91350100M000100Y4"), '3');
    assert_int_equal(credit_code_check("91350100M000100Y43", err, sizeof err), 0);
    assert_int_equal(credit_code_check(make_credit("91320706MA1XYW0AB", buf), err, sizeof err), 0);
    assert_int_equal(credit_code_check(make_credit("12320700466000000", buf), err, sizeof err), 0);
    assert_int_equal(credit_code_check(make_credit("92320722MA00000YY", buf), err, sizeof err), 0);
    /* Every check value 0..30 is reachable and accepted. */
    int seen[31] = {0};
    char base[18] = "9132070000000000";
    for (int i = 0; i < 31; i++) {
        base[16] = ALPHA[i];
        base[17] = '\0';
        make_credit(base, buf);
        seen[strchr(ALPHA, buf[17]) - ALPHA] = 1;
        assert_int_equal(credit_code_check(buf, err, sizeof err), 0);
    }
    for (int i = 0; i < 31; i++) assert_true(seen[i]);
}

static void test_credit_errors(void **state) {
    (void)state;
    expect_credit_error("91350", "must be 18 characters, got 5");
    expect_credit_error("91350100M000100Y431", "must be 18 characters, got 19");
    expect_credit_error(NULL, "is missing");
    expect_credit_error("91I50100M000100Y43", "character 3 'I' is not allowed");
    expect_credit_error("91350100O000100Y43", "character 9 'O' is not allowed");
    expect_credit_error("91350100M000100S43", "character 16 'S' is not allowed");
    expect_credit_error("91350100m000100Y43",
                        "character 9 'm' is not allowed (letters must be uppercase)");
    expect_credit_error("91350100M000100Y4-", "character 18 '-' is not allowed");
    expect_credit_error("91350100M000100Y44", "check character should be '3'");
    char buf[CREDIT_CODE_LEN + 1];
    make_credit("91320706MA1XYW0AB", buf);
    char want[64];
    snprintf(want, sizeof want, "check character should be '%c'", buf[17]);
    buf[17] = buf[17] == '0' ? '1' : '0';
    expect_credit_error(buf, want);
}

/* ---- districts ---- */

static void test_districts(void **state) {
    (void)state;
    assert_string_equal(district_name("320703"), "连云区");
    assert_string_equal(district_name("320706"), "海州区");
    assert_string_equal(district_name("320707"), "赣榆区");
    assert_string_equal(district_name("320722"), "东海县");
    assert_string_equal(district_name("320723"), "灌云县");
    assert_string_equal(district_name("320724"), "灌南县");
    assert_string_equal(district_name("320700"), "连云港市");
    assert_null(district_name("320705"));
    assert_null(district_name("3207060"));
    assert_null(district_name("32070"));
    assert_null(district_name(""));
    assert_null(district_name(NULL));
}

/* ---- masks ---- */

static void test_mask_cert_no(void **state) {
    (void)state;
    char out[64];
    mask_cert_no("32070619900307123441", out, sizeof out);
    assert_string_equal(out, "3207**********123441");
    mask_cert_no("", out, sizeof out);
    assert_string_equal(out, "");
    mask_cert_no(NULL, out, sizeof out);
    assert_string_equal(out, "");
    mask_cert_no("0123456789", out, sizeof out); /* 10 chars: 2 + 3 kept */
    assert_string_equal(out, "01*****789");
    mask_cert_no("3207061990030712344", out, sizeof out); /* 19: 3 + 5 kept */
    assert_string_equal(out, "320***********12344");
    mask_cert_no("AB", out, sizeof out);
    assert_string_equal(out, "**");
    mask_cert_no("3207061990030712344123", out, sizeof out); /* 22: 4 + 6 kept */
    assert_string_equal(out, "3207************344123");
    /* Never more than 4 + 6 characters shown, whatever the length. */
    for (size_t n = 0; n < 40; n++) {
        char in[41];
        memset(in, '5', n);
        in[n] = '\0';
        mask_cert_no(in, out, sizeof out);
        size_t shown = 0;
        for (size_t i = 0; out[i]; i++) shown += out[i] != '*';
        assert_int_equal(strlen(out), n);
        assert_true(shown <= 10);
        assert_true(shown * 2 <= n);
    }
    char small[8];
    mask_cert_no("32070619900307123441", small, sizeof small);
    assert_string_equal(small, "3207***");
}

static void test_mask_name(void **state) {
    (void)state;
    char out[32];
    mask_name("张三丰", out, sizeof out);
    assert_string_equal(out, "张*");
    mask_name("李", out, sizeof out);
    assert_string_equal(out, "李*");
    mask_name("Alice", out, sizeof out);
    assert_string_equal(out, "A*");
    mask_name("𠀀字", out, sizeof out); /* 4-byte first character */
    assert_string_equal(out, "𠀀*");
    mask_name("", out, sizeof out);
    assert_string_equal(out, "");
    mask_name(NULL, out, sizeof out);
    assert_string_equal(out, "");
    mask_name("\xff\xfe", out, sizeof out); /* invalid first character: star only */
    assert_string_equal(out, "*");
    char small[4];
    mask_name("张三", small, sizeof small); /* "张*" needs 5 bytes */
    assert_string_equal(small, "*");
}

/* ---- UTF-8 ---- */

static void test_utf8_length(void **state) {
    (void)state;
    assert_int_equal(utf8_length(""), 0);
    assert_int_equal(utf8_length("abc"), 3);
    assert_int_equal(utf8_length("张三丰"), 3);
    assert_int_equal(utf8_length("a张𠀀"), 3);
    assert_int_equal(utf8_length("\xc2\x80"), 1);          /* U+0080 */
    assert_int_equal(utf8_length("\xed\x9f\xbf"), 1);      /* U+D7FF */
    assert_int_equal(utf8_length("\xee\x80\x80"), 1);      /* U+E000 */
    assert_int_equal(utf8_length("\xf4\x8f\xbf\xbf"), 1);  /* U+10FFFF */
    assert_int_equal(utf8_length(NULL), -1);
    assert_int_equal(utf8_length("\xc0\xaf"), -1);         /* overlong '/' */
    assert_int_equal(utf8_length("\xc1\xbf"), -1);         /* overlong */
    assert_int_equal(utf8_length("\xe0\x80\xaf"), -1);     /* overlong 3-byte */
    assert_int_equal(utf8_length("\xf0\x80\x80\xaf"), -1); /* overlong 4-byte */
    assert_int_equal(utf8_length("\xed\xa0\x80"), -1);     /* surrogate U+D800 */
    assert_int_equal(utf8_length("\xed\xbf\xbf"), -1);     /* surrogate U+DFFF */
    assert_int_equal(utf8_length("\xf4\x90\x80\x80"), -1); /* U+110000 */
    assert_int_equal(utf8_length("\xf5\x80\x80\x80"), -1);
    assert_int_equal(utf8_length("\xff"), -1);
    assert_int_equal(utf8_length("\x80"), -1);             /* stray continuation */
    assert_int_equal(utf8_length("\xe5\xbc"), -1);         /* truncated */
    assert_int_equal(utf8_length("ab\xe5"), -1);           /* truncated at end */
    assert_int_equal(utf8_length("\xe5\x41\x41"), -1);     /* bad continuation */
}

/* Usage: test_ident [PATTERN]: runs the tests whose name matches PATTERN (* and ? wildcards). */
int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cert_public_example),
        cmocka_unit_test(test_cert_constructed_valid),
        cmocka_unit_test(test_cert_length),
        cmocka_unit_test(test_cert_characters),
        cmocka_unit_test(test_cert_check_digit),
        cmocka_unit_test(test_cert_birth_date),
        cmocka_unit_test(test_cert_category_grade),
        cmocka_unit_test(test_cert_small_err_buffer),
        cmocka_unit_test(test_credit_valid),
        cmocka_unit_test(test_credit_errors),
        cmocka_unit_test(test_districts),
        cmocka_unit_test(test_mask_cert_no),
        cmocka_unit_test(test_mask_name),
        cmocka_unit_test(test_utf8_length),
    };
    if (argc > 1) cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests_name("ident", tests, setup_today, teardown_today);
}
